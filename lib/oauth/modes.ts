/**
 * The auth modes besides the authorization-code grant (issue #15 item 1; docs/architecture.md "Auth modes"):
 * what a connection supplies (`credentials` of the connect API or the connect page's form), how a static credential
 * is placed on an API call, how a minted token (client credentials, GitHub App installation, RFC 7523 JWT bearer)
 * is fetched, and the token API's view of each. Only activities and the token API/proxy see the values (REQ-10,
 * REQ-19); errors name statuses and codes, never a credential.
 */
import { SignJWT, importPKCS8 } from 'jose';
import { z } from 'zod';
import type { ModeAuth, ProviderDefinition } from '../../providers/types.ts';

/** What a connection supplied, stored inside its sealed token set (`TokenSet.mode`). */
export type ModeCredentials =
  | { type: 'api_key'; apiKey: string; fields: Record<string, string> }
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2_client_credentials'; clientId: string; clientSecret: string }
  | { type: 'github_app'; installationId: string }
  | { type: 'jwt_bearer'; issuer: string; privateKey: string; keyId?: string; subject?: string };

/** One input of the connect page's form (and of the catalog's description of what `credentials` takes). */
export interface CredentialField {
  name: string;
  label: string;
  secret: boolean;
}

/** A failure of a credential check or a token mint: an error code and the HTTP status, never a credential. */
export class ModeError extends Error {
  readonly code: string;
  readonly status?: number;
  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'ModeError';
    this.code = code;
    this.status = status;
  }
}

/**
 * One credential value: trimmed (as the connect form does), and without control characters: a value goes into an
 * HTTP header, where CR/LF or NUL would be refused by fetch with an error that quotes it (REQ-19).
 */
const value = z
  .string()
  .trim()
  .min(1, 'required')
  .max(8192)
  .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters (line breaks, tabs, NUL)');
const pem = z
  .string()
  .max(16384)
  .refine((s) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(s), 'a PEM private key (-----BEGIN PRIVATE KEY-----)');

/** The inputs a mode asks for, in form order. */
export function credentialFields(auth: ModeAuth): CredentialField[] {
  switch (auth.mode) {
    case 'api_key':
      return [{ name: 'apiKey', label: auth.label, secret: true }, ...(auth.fields ?? []).map(({ name, label, secret }) => ({ name, label, secret }))];
    case 'basic':
      return [
        ...('label' in auth.username ? [{ name: 'username', label: auth.username.label, secret: auth.username.secret }] : []),
        ...('label' in auth.password ? [{ name: 'password', label: auth.password.label, secret: auth.password.secret }] : []),
      ];
    case 'oauth2_client_credentials':
      return [
        { name: 'clientId', label: 'Client ID', secret: false },
        { name: 'clientSecret', label: 'Client secret', secret: true },
      ];
    case 'github_app':
      return [{ name: 'installationId', label: 'Installation ID', secret: false }];
    case 'jwt_bearer':
      return [
        { name: 'serviceAccountKey', label: 'Service account key (JSON)', secret: true },
        { name: 'subject', label: 'User to act as (optional)', secret: false },
      ];
  }
}

/**
 * The zod schema of the `credentials` a mode takes (the API's object, or the form's fields), giving the stored
 * ModeCredentials. Issue messages name fields and rules only: zod 4 does not put the input in them.
 */
export function credentialsSchema(auth: ModeAuth): z.ZodType<ModeCredentials> {
  switch (auth.mode) {
    case 'api_key': {
      const extra = Object.fromEntries((auth.fields ?? []).map((f) => [f.name, value]));
      return z
        .object({ apiKey: value, ...extra })
        .strict()
        .transform(({ apiKey, ...fields }) => ({ type: 'api_key' as const, apiKey, fields: fields as Record<string, string> }));
    }
    case 'basic': {
      const u = auth.username;
      const p = auth.password;
      return z
        .object({ ...('label' in u ? { username: value } : {}), ...('label' in p ? { password: value } : {}) })
        .strict()
        .transform((input) => ({
          type: 'basic' as const,
          username: 'fixed' in u ? u.fixed : (input as { username: string }).username,
          password: 'fixed' in p ? p.fixed : (input as { password: string }).password,
        }))
        .refine((c) => !c.username.includes(':'), { message: 'a Basic username cannot contain ":"', path: ['username'] });
    }
    case 'oauth2_client_credentials':
      return z
        .object({ clientId: value.max(500), clientSecret: value })
        .strict()
        .transform((c) => ({ type: 'oauth2_client_credentials' as const, ...c }));
    case 'github_app':
      return z
        .object({
          installationId: z
            .union([z.string(), z.number().int()])
            .transform(String)
            .pipe(z.string().regex(/^[1-9]\d{0,19}$/, 'a numeric installation id')),
        })
        .strict()
        .transform((c) => ({ type: 'github_app' as const, installationId: c.installationId }));
    case 'jwt_bearer':
      return z
        .object({
          /** A Google service-account key file (its JSON, as text or object): `client_email`, `private_key`, `private_key_id`. */
          serviceAccountKey: z.union([z.string().max(20000), z.record(z.string(), z.unknown())]).optional(),
          issuer: z.string().min(1).max(500).optional(),
          privateKey: pem.optional(),
          keyId: z.string().min(1).max(200).optional(),
          subject: z.string().max(500).optional(),
        })
        .strict()
        .transform((input, ctx) => {
          let issuer = input.issuer;
          let privateKey = input.privateKey;
          let keyId = input.keyId;
          if (input.serviceAccountKey !== undefined) {
            let key: Record<string, unknown> | undefined;
            try {
              key = typeof input.serviceAccountKey === 'string' ? (JSON.parse(input.serviceAccountKey) as Record<string, unknown>) : input.serviceAccountKey;
            } catch {
              key = undefined;
            }
            if (!key || typeof key.client_email !== 'string' || typeof key.private_key !== 'string' || !pem.safeParse(key.private_key).success) {
              ctx.addIssue({ code: 'custom', path: ['serviceAccountKey'], message: 'a service account key file (JSON with client_email and private_key)' });
              return z.NEVER;
            }
            issuer = key.client_email;
            privateKey = key.private_key;
            keyId = typeof key.private_key_id === 'string' ? key.private_key_id : keyId;
          }
          if (!issuer || !privateKey) {
            ctx.addIssue({ code: 'custom', path: ['serviceAccountKey'], message: 'give serviceAccountKey, or issuer and privateKey' });
            return z.NEVER;
          }
          return {
            type: 'jwt_bearer' as const,
            issuer,
            privateKey,
            ...(keyId ? { keyId } : {}),
            ...(input.subject ? { subject: input.subject } : {}),
          };
        });
  }
}

/** Headers and query parameters a static credential adds to an API call, as the entry places them. */
export function staticInjection(auth: ModeAuth, cred: ModeCredentials): { headers: Record<string, string>; query: Record<string, string> } {
  const headers: Record<string, string> = {};
  const query: Record<string, string> = {};
  if (auth.mode === 'api_key' && cred.type === 'api_key') {
    const place = (placement: (typeof auth)['placement'], v: string) => {
      if (placement.in === 'header') headers[placement.name] = `${placement.prefix ?? ''}${v}`;
      else query[placement.name] = v;
    };
    place(auth.placement, cred.apiKey);
    for (const field of auth.fields ?? []) if (cred.fields[field.name] !== undefined) place(field.placement, cred.fields[field.name]!);
  } else if (auth.mode === 'basic' && cred.type === 'basic') {
    headers.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
  }
  return { headers, query };
}

/** A static mode (API key, Basic: nothing to mint or refresh), of an entry's auth or of a connection's stored credentials. */
export function isStaticMode(auth: ModeAuth | undefined): auth is Extract<ModeAuth, { mode: 'api_key' | 'basic' }>;
export function isStaticMode(cred: ModeCredentials | undefined): cred is Extract<ModeCredentials, { type: 'api_key' | 'basic' }>;
export function isStaticMode(of: ModeAuth | ModeCredentials | undefined): boolean {
  const name = of && ('mode' in of ? of.mode : of.type);
  return name === 'api_key' || name === 'basic';
}

const VERIFY_TIMEOUT_MS = 15_000;

/**
 * Checks static credentials with the entry's `verify` request (a GET on the API base): 2xx is valid; 401/403 means
 * the provider refused them (`credentials_rejected`); anything else is the provider being unavailable.
 */
export async function verifyStatic(def: ProviderDefinition, cred: ModeCredentials, fetchImpl: typeof fetch = def.fetch ?? fetch): Promise<void> {
  const auth = def.auth;
  if (!isStaticMode(auth) || !auth.verify) return;
  if (!def.apiBaseUrl) throw new ModeError('no_api_base', `${def.name} has no API base URL to check the credentials against`);
  const { headers, query } = staticInjection(auth, cred);
  const base = def.apiBaseUrl.endsWith('/') ? def.apiBaseUrl.slice(0, -1) : def.apiBaseUrl;
  const url = new URL(`${base}${auth.verify.path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { Accept: 'application/json', ...def.apiHeaders, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
    });
  } catch {
    throw new ModeError('provider_unreachable', `${def.name} did not answer the credential check`);
  }
  await response.body?.cancel();
  if (response.ok) return;
  if (response.status === 401 || response.status === 403) {
    throw new ModeError('credentials_rejected', `${def.name} refused the credentials (HTTP ${response.status} from GET ${auth.verify.path})`, response.status);
  }
  throw new ModeError(
    'provider_unavailable',
    `${def.name} could not check the credentials (HTTP ${response.status} from GET ${auth.verify.path})`,
    response.status,
  );
}

/** A minted access token. */
export interface MintedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  issuedAt: number;
  scopes: string[];
}

/** The App's own configuration for `github_app`: its id (or client id, which GitHub recommends as `iss`) and private key. */
export interface GithubAppConfig {
  appId: string;
  privateKey: string;
}

/**
 * The GitHub App of a `github_app` integration: only its own write-only secrets (`appId` or `clientId`, and
 * `privateKey`). There is no fallback to an operator-wide App: an installation id is typed by the tenant, and any
 * installation of a shared App would mint for anyone who types its id (one tenant reading another's repositories).
 */
export function ownGithubApp(secrets: Record<string, string | undefined>): GithubAppConfig | undefined {
  const appId = secrets.appId ?? secrets.clientId;
  return appId && secrets.privateKey ? { appId, privateKey: secrets.privateKey } : undefined;
}

/** Why a `github_app` connect without the integration's own App is refused (400 `app_not_configured`). */
export const githubAppNotConfigured = (name: string) =>
  `${name}: give the integration its own GitHub App id and private key (PATCH /api/v1/integrations/:id with secrets.appId and secrets.privateKey) before connecting an installation; an operator-wide App is not used, because an installation id typed here could belong to another tenant`;

const MINT_TIMEOUT_MS = 15_000;
const JWT_ALG = 'RS256';

async function signingKey(pemText: string) {
  try {
    // PKCS#1 (BEGIN RSA PRIVATE KEY, what GitHub hands out) is converted to PKCS#8 for importPKCS8.
    const pkcs8 = /BEGIN RSA PRIVATE KEY/.test(pemText)
      ? (await import('node:crypto')).createPrivateKey(pemText).export({ type: 'pkcs8', format: 'pem' }).toString()
      : pemText;
    return await importPKCS8(pkcs8, JWT_ALG);
  } catch {
    throw new ModeError('invalid_private_key', 'the private key could not be read (an RSA key in PEM form is needed)');
  }
}

/** The GitHub App JWT (RS256; iat 60 s in the past against clock drift, exp 9 minutes ahead: within GitHub's 10). */
export async function githubAppJwt(app: GithubAppConfig, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000) - 60;
  return new SignJWT({})
    .setProtectedHeader({ alg: JWT_ALG, typ: 'JWT' })
    .setIssuer(app.appId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60 + 9 * 60)
    .sign(await signingKey(app.privateKey));
}

/** The RFC 7523 §2.1 assertion: iss, aud (the token URL unless the entry names another), iat, exp, scope for Google. */
export async function jwtBearerAssertion(def: ProviderDefinition, cred: Extract<ModeCredentials, { type: 'jwt_bearer' }>, now = Date.now()): Promise<string> {
  const auth = def.auth;
  if (auth?.mode !== 'jwt_bearer') throw new Error(`${def.key} is not a jwt_bearer provider`);
  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = {};
  if (auth.scopesIn === 'assertion' && auth.scopes.default.length) claims.scope = auth.scopes.default.join(auth.scopes.separator);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: JWT_ALG, typ: 'JWT', ...(cred.keyId ? { kid: cred.keyId } : {}) })
    .setIssuer(cred.issuer)
    .setAudience(auth.audience ?? def.tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + auth.assertionLifetimeSeconds);
  if (cred.subject) jwt.setSubject(cred.subject);
  return jwt.sign(await signingKey(cred.privateKey));
}

async function readTokenResponse(def: ProviderDefinition, response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  if (!response.ok) {
    const code = typeof body.error === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(body.error) ? body.error : 'http_error';
    const what = response.status >= 500 || response.status === 429 ? 'token endpoint is unavailable' : 'refused the token request';
    throw new ModeError(code, `${def.name} ${what} (${code}, HTTP ${response.status})`, response.status);
  }
  return body;
}

function lifetimeSeconds(def: ProviderDefinition, body: Record<string, unknown>, now: number): number {
  const stated = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  if (typeof stated === 'number' && Number.isFinite(stated) && stated > 0) return stated;
  if (typeof body.expires_at === 'string' && !Number.isNaN(Date.parse(body.expires_at))) return Math.max(1, (Date.parse(body.expires_at) - now) / 1000);
  return def.refresh.defaultLifetimeSeconds ?? 3600;
}

async function post(def: ProviderDefinition, url: string, init: { headers: Record<string, string>; body?: string }): Promise<Response> {
  try {
    return await (def.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { Accept: 'application/json', ...init.headers },
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
    });
  } catch {
    throw new ModeError('provider_unreachable', `${def.name} token endpoint did not answer`);
  }
}

/**
 * Fetches a fresh access token for a minted mode: the client-credentials grant, a GitHub App installation token, or
 * an RFC 7523 JWT-bearer grant. Called only by the connection activities (at connect and by the workflow's refresh).
 */
export async function mintToken(
  def: ProviderDefinition,
  cred: ModeCredentials,
  options: { githubApp?: GithubAppConfig; now?: number } = {},
): Promise<MintedToken> {
  const auth = def.auth;
  const now = options.now ?? Date.now();
  if (auth?.mode === 'oauth2_client_credentials' && cred.type === 'oauth2_client_credentials') {
    const params: Record<string, string> = { grant_type: 'client_credentials', ...auth.tokenParams };
    if (auth.scopes.default.length) params.scope = auth.scopes.default.join(auth.scopes.separator);
    const headers: Record<string, string> = { ...auth.tokenRequestHeaders };
    if (auth.clientAuth === 'client_secret_basic') {
      // RFC 6749 §2.3.1: each part form-urlencoded before base64.
      const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      headers.Authorization = `Basic ${Buffer.from(`${enc(cred.clientId)}:${enc(cred.clientSecret)}`).toString('base64')}`;
    } else {
      params.client_id = cred.clientId;
      params.client_secret = cred.clientSecret;
    }
    const json = auth.tokenRequestBody === 'json';
    headers['Content-Type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
    const body = await readTokenResponse(
      def,
      await post(def, def.tokenUrl, { headers, body: json ? JSON.stringify(params) : new URLSearchParams(params).toString() }),
    );
    return minted(def, body, now, typeof body.scope === 'string' ? body.scope.split(/[ ,]+/).filter(Boolean) : auth.scopes.default);
  }
  if (auth?.mode === 'github_app' && cred.type === 'github_app') {
    if (!options.githubApp) throw new ModeError('app_not_configured', githubAppNotConfigured(def.name));
    const jwt = await githubAppJwt(options.githubApp, now);
    const url = def.tokenUrl.replace('{installation_id}', encodeURIComponent(cred.installationId));
    const body = await readTokenResponse(
      def,
      await post(def, url, { headers: { Accept: 'application/vnd.github+json', ...auth.tokenRequestHeaders, Authorization: `Bearer ${jwt}` } }),
    );
    if (typeof body.token !== 'string' || !body.token) throw new ModeError('invalid_response', `${def.name} answered without a token`);
    return { accessToken: body.token, issuedAt: now, expiresAt: now + lifetimeSeconds(def, body, now) * 1000, scopes: [] };
  }
  if (auth?.mode === 'jwt_bearer' && cred.type === 'jwt_bearer') {
    const params: Record<string, string> = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await jwtBearerAssertion(def, cred, now) };
    if (auth.scopesIn === 'request' && auth.scopes.default.length) params.scope = auth.scopes.default.join(auth.scopes.separator);
    const body = await readTokenResponse(
      def,
      await post(def, def.tokenUrl, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() }),
    );
    return minted(def, body, now, auth.scopes.default);
  }
  throw new ModeError('wrong_mode', `${def.name} does not mint tokens with ${cred.type} credentials`);
}

function minted(def: ProviderDefinition, body: Record<string, unknown>, now: number, scopes: string[]): MintedToken {
  if (typeof body.access_token !== 'string' || !body.access_token) throw new ModeError('invalid_response', `${def.name} answered without an access_token`);
  return { accessToken: body.access_token, issuedAt: now, expiresAt: now + lifetimeSeconds(def, body, now) * 1000, scopes };
}

/**
 * The token API's answer for a static mode (documented in docs/architecture.md "Auth modes"): the values and the
 * ready-made headers / query parameters the provider expects. Minted modes answer with the bearer shape.
 */
export function staticTokenView(
  auth: ModeAuth,
  cred: ModeCredentials,
): { type: 'api_key' | 'basic'; headers: Record<string, string>; query: Record<string, string>; expiresAt: null } & Record<string, unknown> {
  const injected = staticInjection(auth, cred);
  if (cred.type === 'api_key') return { type: 'api_key', apiKey: cred.apiKey, fields: cred.fields, ...injected, expiresAt: null };
  if (cred.type === 'basic') return { type: 'basic', username: cred.username, password: cred.password, ...injected, expiresAt: null };
  throw new Error(`${cred.type} is not a static mode`);
}

/** A connect failure the provider's outage caused (no answer; 5xx or 429), not its refusal of the credentials. */
const UNAVAILABLE = { provider_unreachable: 502, provider_unavailable: 503 } as const;
type Unavailable = keyof typeof UNAVAILABLE;

function unavailableCode(error: unknown): Unavailable | undefined {
  if (!(error instanceof ModeError)) return 'provider_unreachable';
  if (error.code === 'provider_unreachable' || error.code === 'provider_unavailable') return error.code;
  if (error.status !== undefined && (error.status >= 500 || error.status === 429)) return 'provider_unavailable';
  return undefined;
}

/**
 * The message of a failed credential connect (activities): the ModeError's, tagged ` [provider_unavailable]` /
 * ` [provider_unreachable]` when the provider was down, so the connect API can tell (only a message crosses the
 * workflow's update). Never a credential: ModeError messages name statuses and codes only.
 */
export function connectFailureMessage(def: Pick<ProviderDefinition, 'name'>, error: unknown): string {
  const message = error instanceof ModeError ? error.message : `${def.name} could not be reached`;
  const down = unavailableCode(error);
  return down ? `${message} [${down}]` : message;
}

/** The connect API's answer to a failed credential connect: 502/503 for a provider outage, else 422 `credentials_rejected`. */
export function connectRefusal(message: string | undefined): { status: 422 | 502 | 503; code: string; message: string | undefined } {
  const tag = message ? / \[(provider_unreachable|provider_unavailable)\]$/.exec(message) : null;
  if (!tag) return { status: 422, code: 'credentials_rejected', message };
  const code = tag[1] as Unavailable;
  return { status: UNAVAILABLE[code], code, message: `${message!.slice(0, tag.index)}; try again later` };
}
