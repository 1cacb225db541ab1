/**
 * A local authorization server that imitates one provider from a small profile of its documented shapes
 * (docs/security.md part B): token endpoint path, required client authentication and body format,
 * success and error bodies, refresh-token rotation, revocation style and userinfo. Every request is recorded
 * so tests can assert that no credential, code or token ever travels in a URL (REQ-7, REQ-18).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { OverrideLookup } from '../../providers/index.ts';
import { CLIENT, decodeBasic, type Endpoint, type ErrorKind, type Fault, type FakeResponse, type OAuthFakeProfile, type RecordedRequest } from './types.ts';

export { CLIENT, decodeBasic } from './types.ts';
export type { Endpoint, ErrorKind, Fault, FakeResponse, GrantContext, OAuthFakeProfile, RecordedRequest, RevocationProfile } from './types.ts';

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge?: string;
  used: boolean;
}
interface RefreshRecord {
  scope: string;
  active: boolean;
  usedAt?: number;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

export class OAuthFake {
  readonly requests: RecordedRequest[] = [];
  /** Every secret value the fake has handed out or knows (codes, tokens, the client secret): none may appear in a URL. */
  readonly secrets = new Set<string>([CLIENT.clientSecret]);
  private readonly profile: OAuthFakeProfile;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly faults: Record<'token' | 'revoke', Fault[]> = { token: [], revoke: [] };
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly accessTokens = new Map<string, { active: boolean; refreshToken?: string }>();
  private readonly hung = new Set<ServerResponse>();
  private patch: Record<string, unknown> | undefined;
  private key: { privateKey: CryptoKey; jwk: JWK } | undefined;
  origin = '';

  constructor(profile: OAuthFakeProfile) {
    this.profile = profile;
  }

  static async start(profile: OAuthFakeProfile): Promise<OAuthFake> {
    const fake = new OAuthFake(profile);
    if (profile.idTokenClaims) {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      fake.key = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' } };
    }
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.origin = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Endpoint overrides for `applyEndpointOverrides(def, fake.lookup)`. */
  readonly lookup: OverrideLookup = (key, suffix) => {
    if (key !== this.profile.key) return undefined;
    const { paths, revocation, overrideIssuer, metadataPath } = this.profile;
    const urls: Record<string, string | undefined> = {
      AUTHORIZATION_URL: this.origin + paths.authorize,
      TOKEN_URL: this.origin + paths.token,
      USERINFO_URL: paths.userinfo && this.origin + paths.userinfo,
      REVOCATION_URL: revocation && this.origin + revocation.path,
      ISSUER: overrideIssuer ? this.origin : undefined,
      JWKS_URI: overrideIssuer ? `${this.origin}/jwks` : undefined,
      CONNECT_METADATA_URL: metadataPath && this.origin + metadataPath,
    };
    return urls[suffix];
  };

  /** The next `count` requests to an endpoint fail this way. */
  failNext(endpoint: 'token' | 'revoke', fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults[endpoint].push(fault);
  }

  /** Fields merged into the next successful token response (e.g. Slack's enterprise install). */
  patchNextTokenResponse(patch: Record<string, unknown>): void {
    this.patch = patch;
  }

  isActive(token: string): boolean {
    return this.accessTokens.get(token)?.active ?? this.refreshTokens.get(token)?.active ?? false;
  }

  requestsTo(endpoint: Endpoint): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A profile path with the templated provider's values filled in (what resolved endpoints request). */
  private filled(path: string | undefined): string | undefined {
    const values = this.profile.templateValues ?? {};
    return path?.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (whole, name: string) => values[name] ?? whole);
  }

  private endpointOf(method: string, path: string): Endpoint {
    const { paths, revocation } = this.profile;
    if (path === this.filled(paths.authorize) && method === 'GET') return 'authorize';
    if (path === this.filled(paths.token)) return 'token';
    if (path === this.filled(paths.userinfo)) return 'userinfo';
    if (path === '/jwks') return 'jwks';
    if (revocation && path === this.filled(revocation.path)!.replace('{client_id}', encodeURIComponent(CLIENT.clientId))) return 'revoke';
    return 'other';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.origin);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const record: RecordedRequest = {
      endpoint: this.endpointOf(req.method ?? 'GET', url.pathname),
      method: req.method ?? 'GET',
      url: url.href,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(record);
    const send = (r: FakeResponse, form = false) => {
      const text = typeof r.body === 'string';
      const type = r.body === undefined ? undefined : text ? 'text/plain' : form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8';
      res.writeHead(r.status, { ...(type ? { 'content-type': type } : {}), 'cache-control': 'no-store', ...r.headers });
      if (r.body === undefined) return void res.end();
      res.end(text ? (r.body as string) : form ? new URLSearchParams(r.body as Record<string, string>).toString() : JSON.stringify(r.body));
    };
    switch (record.endpoint) {
      case 'authorize':
        return this.authorize(url, res);
      case 'jwks':
        return send({ status: 200, body: { keys: this.key ? [this.key.jwk] : [] } });
      case 'userinfo':
        return send(this.userinfo(record));
      case 'token':
      case 'revoke': {
        const fault = this.faults[record.endpoint].shift();
        if (fault === 'hang') return void this.hung.add(res);
        if (fault === '500' || fault === '503') {
          res.writeHead(Number(fault), { 'content-type': 'text/html', ...(fault === '503' ? { 'retry-after': '30' } : {}) });
          return void res.end('<html><body>Service unavailable</body></html>');
        }
        if (fault === '429') return send(this.profile.rateLimited ?? { status: 429, body: 'Too Many Requests', headers: { 'retry-after': '7' } });
        if (record.endpoint === 'revoke') return send(this.revoke(record));
        const result = fault === 'invalid_client' ? this.tokenError(record, 'invalid_client') : await this.token(record);
        if (fault === 'lost') return void this.hung.add(res);
        const wantsJson = (headers.accept ?? '').includes('application/json');
        return send(result, this.profile.formUnlessAcceptJson === true && !wantsJson);
      }
      default: {
        const resource = req.method === 'GET' ? this.profile.resources?.[url.pathname] : undefined;
        if (resource === undefined) return send({ status: 404, body: { error: 'not_found' } });
        const token = this.bearer(record);
        if (!token || !this.accessTokens.get(token)?.active) return send({ status: 401, body: { message: 'Unauthorized' } });
        return send({ status: 200, body: resource });
      }
    }
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== CLIENT.clientId || !redirectUri || q.get('response_type') !== 'code') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('bad authorization request');
    }
    const challenge = q.get('code_challenge') ?? undefined;
    if (challenge && q.get('code_challenge_method') !== 'S256') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('only S256');
    }
    const code = `code-${b64url(randomBytes(12))}`;
    this.secrets.add(code);
    this.codes.set(code, { clientId: CLIENT.clientId, redirectUri, scope: q.get('scope') ?? '', challenge, used: false });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.has('state')) back.searchParams.set('state', q.get('state')!);
    for (const [name, value] of Object.entries(this.profile.callbackParams ?? {})) back.searchParams.set(name, value);
    res.writeHead(302, { location: back.href });
    res.end();
  }

  private tokenError(record: RecordedRequest, kind: ErrorKind): FakeResponse {
    const r = this.profile.error(kind);
    // RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 + WWW-Authenticate.
    if (r.status === 401 && record.headers.authorization?.startsWith('Basic '))
      return { ...r, headers: { 'www-authenticate': `Basic realm="${this.profile.key}"`, ...r.headers } };
    return r;
  }

  private parseBody(record: RecordedRequest, format: 'form' | 'json'): Record<string, string> | undefined {
    const type = record.headers['content-type'] ?? '';
    if (format === 'json') {
      if (!type.startsWith('application/json')) return undefined;
      const parsed = JSON.parse(record.body || '{}') as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
    if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
    return Object.fromEntries(new URLSearchParams(record.body));
  }

  private clientOk(record: RecordedRequest, body: Record<string, string>, mode: 'basic' | 'body' | 'none'): boolean {
    if (mode === 'none') return true;
    const basic = decodeBasic(record.headers.authorization);
    const creds =
      mode === 'basic'
        ? body.client_secret === undefined
          ? basic
          : undefined
        : record.headers.authorization
          ? undefined
          : { id: body.client_id, secret: body.client_secret };
    return creds?.id === CLIENT.clientId && creds.secret === CLIENT.clientSecret;
  }

  private async token(record: RecordedRequest): Promise<FakeResponse> {
    const p = this.profile;
    const body = this.parseBody(record, p.tokenBody);
    const headersOk = Object.entries(p.requiredHeaders ?? {}).every(([k, v]) => record.headers[k.toLowerCase()] === v);
    if (!body || !headersOk) return this.tokenError(record, 'bad_request');
    const clientAuth = body.grant_type === 'refresh_token' ? (p.refreshClientAuth ?? p.clientAuth) : p.clientAuth;
    if (!this.clientOk(record, body, clientAuth)) return this.tokenError(record, 'invalid_client');
    let scope: string;
    let usedRefreshToken: string | undefined;
    if (body.grant_type === 'authorization_code') {
      const code = this.codes.get(body.code ?? '');
      const verifierOk =
        !code?.challenge || (body.code_verifier !== undefined && b64url(createHash('sha256').update(body.code_verifier).digest()) === code.challenge);
      if (!code || code.used || code.redirectUri !== body.redirect_uri || !verifierOk) {
        if (code) code.used = true;
        return this.tokenError(record, 'invalid_code');
      }
      code.used = true;
      scope = p.grantScope ? p.grantScope(code.scope) : code.scope;
    } else if (body.grant_type === 'refresh_token') {
      usedRefreshToken = body.refresh_token ?? '';
      const rt = this.refreshTokens.get(usedRefreshToken);
      const inLeeway = rt?.usedAt !== undefined && Date.now() - rt.usedAt <= (p.reuseLeewayMs ?? -1);
      if (!rt || (!rt.active && !inLeeway)) return this.tokenError(record, 'invalid_refresh_token');
      if (p.rotatesRefreshToken) {
        rt.active = false;
        rt.usedAt ??= Date.now();
      }
      scope = rt.scope;
    } else {
      return this.tokenError(record, 'bad_request');
    }
    const issueRt = body.grant_type === 'authorization_code' ? p.issuesRefreshToken : p.rotatesRefreshToken;
    const refreshToken = issueRt ? this.mint(p.tokenPrefix.refresh) : undefined;
    if (refreshToken) this.refreshTokens.set(refreshToken, { scope, active: true });
    const accessToken = this.mint(p.tokenPrefix.access);
    this.accessTokens.set(accessToken, { active: true, refreshToken: refreshToken ?? usedRefreshToken });
    const idToken = p.idTokenClaims && scope.split(/[ ,]/).includes('openid') ? await this.signIdToken() : undefined;
    const responseBody = {
      ...p.tokenResponse({ grant: body.grant_type, accessToken, refreshToken, usedRefreshToken, scope, idToken, origin: this.origin }),
      ...this.patch,
    };
    this.patch = undefined;
    return { status: 200, body: responseBody };
  }

  private mint(prefix: string): string {
    const token = prefix + b64url(randomBytes(18));
    this.secrets.add(token);
    return token;
  }

  /** An ID token signed with the fake's key: the profile's claims, then `overrides`. */
  async signIdToken(overrides: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...this.profile.idTokenClaims!(this.origin), aud: CLIENT.clientId, iat: now, exp: now + 3600, ...overrides };
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'fake-1', typ: 'JWT' }).sign(this.key!.privateKey);
  }

  private bearer(record: RecordedRequest, scheme = 'Bearer'): string | undefined {
    const header = record.headers.authorization ?? '';
    return header.startsWith(`${scheme} `) ? header.slice(scheme.length + 1) : undefined;
  }

  private userinfo(record: RecordedRequest): FakeResponse {
    const token = this.bearer(record, this.profile.userinfoScheme);
    if (!token || !this.accessTokens.get(token)?.active) return { status: 401, body: { message: 'Bad credentials' } };
    return { status: 200, body: this.profile.userinfo };
  }

  /** Revokes a token and everything issued from the same grant. */
  private invalidate(token: string): boolean {
    const at = this.accessTokens.get(token);
    const rt = this.refreshTokens.get(token);
    if (!at?.active && !rt?.active) return false;
    const grantRt = rt ? token : at?.refreshToken;
    for (const [value, record] of this.accessTokens) if (value === token || (grantRt && record.refreshToken === grantRt)) record.active = false;
    if (grantRt) this.refreshTokens.get(grantRt)!.active = false;
    return true;
  }

  private revoke(record: RecordedRequest): FakeResponse {
    const r = this.profile.revocation!;
    const bad: FakeResponse = { status: 400, body: { error: 'invalid_request' } };
    let token: string | undefined;
    switch (r.style) {
      case 'rfc7009': {
        const body = record.method === 'POST' ? this.parseBody(record, 'form') : undefined;
        if (!body || !this.clientOk(record, body, r.clientAuth ?? 'none')) return body ? { status: 401, body: { error: 'invalid_client' } } : bad;
        token = body.token;
        break;
      }
      case 'slack':
      case 'dropbox': {
        // Dropbox RPC endpoints refuse any Content-Type but JSON (a no-argument call may send none).
        const type = record.headers['content-type'];
        if (record.method !== 'POST' || (r.style === 'dropbox' && type !== undefined && !type.startsWith('application/json'))) {
          return { status: 400, body: `Error in call to API function "auth/token/revoke": Bad HTTP "Content-Type" header: "${type}".` };
        }
        token = this.bearer(record);
        break;
      }
      case 'github':
      case 'notion': {
        const body = this.parseBody(record, 'json');
        const methodOk = record.method === (r.style === 'github' ? 'DELETE' : 'POST');
        const headersOk = Object.entries(this.profile.requiredHeaders ?? {}).every(([k, v]) => record.headers[k.toLowerCase()] === v);
        if (!body || !methodOk || !headersOk) return bad;
        if (!this.clientOk(record, body, 'basic')) return { status: 401, body: { message: 'Requires authentication' } };
        token = r.style === 'github' ? body.access_token : body.token;
        break;
      }
    }
    return token && this.invalidate(token) ? r.ok : r.unknownToken;
  }
}
