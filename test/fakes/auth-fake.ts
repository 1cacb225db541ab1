/**
 * A fake provider for the auth modes besides the authorization-code grant, built from the documented shapes:
 * - an API (`/api/*`) that answers 200 only when the request carries the credential where the provider expects it
 *   (a header with its prefix, a query parameter, HTTP Basic, or a Bearer token this fake issued) and 401 otherwise;
 * - an OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4, client_secret_basic or _post) (`/cc/token`);
 * - GitHub's installation-token endpoint (`/app/installations/:id/access_tokens`), which VERIFIES the App JWT's
 *   RS256 signature with the App's public key and its iss / iat / exp claims as GitHub documents them;
 * - an RFC 7523 JWT-bearer token endpoint (`/jwt/token`) that verifies the assertion's signature, iss, aud, exp.
 * Every request is recorded for secret scans; the fake's own checks are written here, not taken from Plugboard.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';

/** Where the API expects the credential. */
export type ApiCheck =
  | { kind: 'header'; name: string; value: string }
  | { kind: 'query'; name: string; value: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer' };

export interface AuthFakeOptions {
  /** Every check must pass (Datadog-style pairs: two headers). */
  api: ApiCheck[];
  client?: { clientId: string; clientSecret: string; auth: 'client_secret_basic' | 'client_secret_post' };
  githubApp?: { appId: string; publicKey: KeyObject; installationId: string };
  /** `audience`: the assertion's expected `aud` (default: this fake's token URL). */
  jwtBearer?: { issuer: string; publicKey: KeyObject; scope?: string; subject?: string; audience?: string };
  /** Lifetime of the tokens this fake issues (s). */
  lifetimeSeconds?: number;
  /** The client-credentials endpoint answers 200 without an `access_token` (a provider bug: the same every time). */
  answerWithoutToken?: boolean;
  /** An outage: every endpoint answers this status (5xx) before any check. */
  down?: number;
}

export interface RecordedAuthRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An RSA key pair for the App / service account (PKCS#8 PEM private key, as Google and jose use). */
export function rsaKeyPair(): { privateKeyPem: string; privateKeyPkcs1Pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKeyPkcs1Pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  };
}

export class AuthFake {
  readonly url: string;
  readonly requests: RecordedAuthRequest[] = [];
  /** Tokens issued, in order. */
  readonly issued: string[] = [];
  /** Installation tokens revoked with DELETE /installation/token: the API refuses them. */
  readonly revoked: string[] = [];
  /** Claims of every App JWT / assertion that verified. */
  readonly verifiedClaims: Record<string, unknown>[] = [];
  /** Why a JWT was refused, in order. */
  readonly jwtRefusals: string[] = [];
  options: AuthFakeOptions;
  private readonly server: Server;

  private constructor(server: Server, url: string, options: AuthFakeOptions) {
    this.server = server;
    this.url = url;
    this.options = options;
  }

  static async start(options: AuthFakeOptions): Promise<AuthFake> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new AuthFake(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`, options);
    server.on('request', (req, res) => {
      void fake.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'fake_failure', message: error.message }));
        },
      );
    });
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method: req.method ?? 'GET', url: `${this.url}${req.url}`, headers: { ...req.headers }, body });
    const url = new URL(req.url ?? '/', this.url);
    if (this.options.down) return { status: this.options.down, body: { error: 'temporarily_unavailable' } };
    if (url.pathname === '/api/installation/token' && req.method === 'DELETE') return this.revokeInstallationToken(req);
    if (url.pathname.startsWith('/api/')) return this.api(req, url);
    if (url.pathname === '/cc/token' && req.method === 'POST') return this.clientCredentials(req, body);
    const install = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
    if (install && req.method === 'POST') return this.installationToken(req, decodeURIComponent(install[1]!));
    if (url.pathname === '/jwt/token' && req.method === 'POST') return this.jwtBearer(body);
    return { status: 404, body: { error: 'not_found' } };
  }

  private issue(prefix: string): string {
    const token = `${prefix}${this.issued.length + 1}-${Math.random().toString(36).slice(2, 10)}`;
    this.issued.push(token);
    return token;
  }

  private api(req: IncomingMessage, url: URL): { status: number; body: unknown } {
    const authorization = req.headers.authorization ?? '';
    for (const check of this.options.api) {
      let passed: boolean;
      if (check.kind === 'header') passed = req.headers[check.name.toLowerCase()] === check.value;
      else if (check.kind === 'query') passed = url.searchParams.get(check.name) === check.value;
      else if (check.kind === 'basic') {
        const decoded = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8') : '';
        passed = decoded === `${check.username}:${check.password}`;
      } else passed = authorization.startsWith('Bearer ') && this.issued.includes(authorization.slice(7)) && !this.revoked.includes(authorization.slice(7));
      if (!passed) return { status: 401, body: { error: 'unauthorized' } };
    }
    return { status: 200, body: { ok: true, path: url.pathname } };
  }

  private clientCredentials(req: IncomingMessage, body: string): { status: number; body: unknown } {
    const client = this.options.client;
    if (!client) return { status: 404, body: { error: 'not_found' } };
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    let id: string | null = null;
    let secret: string | null = null;
    const authorization = req.headers.authorization ?? '';
    if (client.auth === 'client_secret_basic' && authorization.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      const dec = (s: string | undefined) => (s === undefined ? null : decodeURIComponent(s.replace(/\+/g, ' ')));
      id = dec(u);
      secret = dec(p);
    } else if (client.auth === 'client_secret_post') {
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    if (id !== client.clientId || secret !== client.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    if (this.options.answerWithoutToken) return { status: 200, body: { token_type: 'Bearer', expires_in: 3600 } };
    return { status: 200, body: { access_token: this.issue('cc-'), token_type: 'Bearer', expires_in: this.options.lifetimeSeconds ?? 3600 } };
  }

  /** GitHub's "Revoke an installation access token": DELETE /installation/token with that token; 204, or 401 if unknown. */
  private revokeInstallationToken(req: IncomingMessage): { status: number; body: unknown } {
    const authorization = req.headers.authorization ?? '';
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    if (!token.startsWith('ghs_') || !this.issued.includes(token) || this.revoked.includes(token)) return { status: 401, body: { message: 'Bad credentials' } };
    this.revoked.push(token);
    return { status: 204, body: undefined };
  }

  private async installationToken(req: IncomingMessage, installationId: string): Promise<{ status: number; body: unknown }> {
    const app = this.options.githubApp;
    if (!app) return { status: 404, body: { message: 'Not Found' } };
    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
    try {
      const { payload, protectedHeader } = await jwtVerify(authorization.slice(7), app.publicKey, { algorithms: ['RS256'], issuer: app.appId });
      const now = Math.floor(Date.now() / 1000);
      if (protectedHeader.alg !== 'RS256') throw new Error('alg is not RS256');
      if (typeof payload.iat !== 'number' || payload.iat > now) throw new Error("'Issued at' claim ('iat') must be an Integer representing a time in the past");
      if (typeof payload.exp !== 'number' || payload.exp > now + 600) throw new Error("'Expiration time' claim ('exp') is too far in the future");
      this.verifiedClaims.push({ ...payload });
    } catch (error) {
      this.jwtRefusals.push((error as Error).message);
      return { status: 401, body: { message: (error as Error).message } };
    }
    if (installationId !== app.installationId) return { status: 404, body: { message: 'Not Found' } };
    const expiresAt = new Date(Date.now() + (this.options.lifetimeSeconds ?? 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { status: 201, body: { token: this.issue('ghs_'), expires_at: expiresAt, permissions: { contents: 'read' }, repository_selection: 'all' } };
  }

  private async jwtBearer(body: string): Promise<{ status: number; body: unknown }> {
    const sa = this.options.jwtBearer;
    if (!sa) return { status: 404, body: { error: 'not_found' } };
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type' } };
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', sa.publicKey, {
        algorithms: ['RS256'],
        issuer: sa.issuer,
        audience: sa.audience ?? `${this.url}/jwt/token`,
        ...(sa.subject ? { subject: sa.subject } : {}),
      });
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number' || payload.exp - payload.iat > 3600)
        throw new Error('exp more than one hour after iat');
      if (sa.scope !== undefined && payload.scope !== sa.scope) throw new Error(`scope claim ${String(payload.scope)}`);
      this.verifiedClaims.push({ ...payload });
    } catch (error) {
      this.jwtRefusals.push((error as Error).message);
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    }
    return { status: 200, body: { access_token: this.issue('ya29.'), token_type: 'Bearer', expires_in: this.options.lifetimeSeconds ?? 3600 } };
  }
}
