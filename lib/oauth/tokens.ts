import type { ProviderDefinition } from '../../providers/types.ts';
import type * as oidc from 'openid-client';
import type { ModeCredentials } from './modes.ts';

/** Tokens as stored (encrypted) for an integration. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  tokenType?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Epoch ms when this access token was received: with expiresAt, gives the lifetime. */
  issuedAt?: number;
  /** Secret extras, e.g. Slack's user token under `authed_user`. */
  extra?: Record<string, string>;
  /** Epoch ms when the refresh token stops working, where it is known (`refreshTokenExpiry`). */
  refreshTokenExpiresAt?: number;
  /**
   * What the connection supplied in a mode other than the authorization-code grant (lib/oauth/modes.ts): the static
   * credential itself (API key, Basic), or what the next token is minted with (client credentials, GitHub App
   * installation, JWT-bearer key). Sealed with the rest of the set; `accessToken` is '' for the static modes.
   */
  mode?: ModeCredentials;
}

export interface NormalizedTokens {
  credentials: TokenSet;
  scopes: string[];
  accountId: string | null;
  /** Non-secret facts to keep in settings (Salesforce instance_url…). */
  metadata: Record<string, string>;
}

/** The provider's userinfo answer for an access token, or undefined when it is not 2xx JSON (never throws). */
export async function fetchUserinfo(
  def: Pick<ProviderDefinition, 'userinfoUrl' | 'userinfoAuthScheme'>,
  accessToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<unknown> {
  if (!def.userinfoUrl) return undefined;
  try {
    const response = await fetchImpl(def.userinfoUrl, {
      headers: { authorization: `${def.userinfoAuthScheme ?? 'Bearer'} ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The value at a dotted path (`accounts.0.id`) of a JSON answer, or undefined. */
export function pick(source: unknown, dotted: string): unknown {
  let value: unknown = source;
  for (const part of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const DAY_MS = 86_400_000;

/** A lifetime in seconds as token responses state it: a number, or a numeric string (Azure AD B2C sends strings). */
function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The tenant's `settings.refreshTokenLifetimeDays`, when it is a usable number (the API validates it on write). */
export function refreshTokenLifetimeDaysOf(settings: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const days = settings?.refreshTokenLifetimeDays;
  return typeof days === 'number' && Number.isFinite(days) && days > 0 ? days : undefined;
}

/**
 * When the refresh token stops working (issue 13 item 5); the first source that states it wins:
 * 1. the response's `refresh_token_expires_in` (GitHub App user tokens, Azure AD B2C, ADFS; seconds);
 * 2. the provider's documented fixed lifetime (`refresh.refreshTokenLifetimeSeconds`, Microsoft's 90 days);
 * 3. the tenant's `settings.refreshTokenLifetimeDays`, for what only the tenant knows (a Google app in "Testing": 7).
 * Sources 2 and 3 count from a newly issued refresh token: a rotation resets the clock, and a refresh that keeps
 * the old refresh token keeps its expiry. No refresh token, no expiry.
 */
export function refreshTokenExpiry(
  def: Pick<ProviderDefinition, 'refresh'>,
  response: Readonly<Record<string, unknown>>,
  options: { refreshToken: string | undefined; previous?: TokenSet; settings?: Readonly<Record<string, unknown>>; now: number },
): number | undefined {
  if (!options.refreshToken) return undefined;
  const stated = seconds(response.refresh_token_expires_in);
  if (stated !== undefined) return options.now + stated * 1000;
  const issued = typeof response.refresh_token === 'string' && response.refresh_token !== options.previous?.refreshToken;
  if (!issued) return options.previous?.refreshTokenExpiresAt;
  if (def.refresh.refreshTokenLifetimeSeconds) return options.now + def.refresh.refreshTokenLifetimeSeconds * 1000;
  const days = refreshTokenLifetimeDaysOf(options.settings);
  return days ? options.now + days * DAY_MS : undefined;
}

/**
 * Turns a token-endpoint response into what we store (REQ-9): absolute expiry, granted scopes, the
 * provider-side account, the previous refresh token when the provider did not rotate (REQ-11), and when the
 * refresh token dies where that is known (`refreshTokenExpiry`; `settings` are the integration's).
 */
export async function normalizeTokenResponse(
  def: ProviderDefinition,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  options: {
    requestedScopes: string[];
    previous?: TokenSet;
    settings?: Readonly<Record<string, unknown>>;
    now?: number;
    fetchImpl?: typeof fetch;
    /** Read the userinfo answer even when the account id is known (connect metadata needs it); it is returned. */
    wantUserinfo?: boolean;
  },
): Promise<NormalizedTokens & { userinfo?: unknown }> {
  const now = options.now ?? Date.now();
  const raw = tokens as unknown as Record<string, unknown>;
  // A tenant-issued ID token quirkFetch took out of openid-client's issuer check (Microsoft `common`).
  const tenantIdToken = typeof raw.provider_id_token === 'string' ? raw.provider_id_token : undefined;
  const lifetime = typeof tokens.expires_in === 'number' ? tokens.expires_in : def.refresh.defaultLifetimeSeconds;
  const credentials: TokenSet = {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? options.previous?.refreshToken,
    idToken: tokens.id_token ?? tenantIdToken ?? options.previous?.idToken,
    tokenType: typeof raw.provider_token_type === 'string' ? raw.provider_token_type : tokens.token_type,
    expiresAt: lifetime ? now + lifetime * 1000 : undefined,
    issuedAt: now,
  };
  const refreshTokenExpiresAt = refreshTokenExpiry(def, raw, {
    refreshToken: credentials.refreshToken,
    previous: options.previous,
    settings: options.settings,
    now,
  });
  if (refreshTokenExpiresAt !== undefined) credentials.refreshTokenExpiresAt = refreshTokenExpiresAt;
  if (def.alternateTokenPath) {
    const alt = pick(raw, def.alternateTokenPath) as Record<string, unknown> | undefined;
    const extra: Record<string, string> = {};
    if (typeof alt?.access_token === 'string') extra.userAccessToken = alt.access_token;
    if (typeof alt?.refresh_token === 'string') extra.userRefreshToken = alt.refresh_token;
    if (Object.keys(extra).length) credentials.extra = extra;
    else if (options.previous?.extra) credentials.extra = options.previous.extra;
  }
  // HubSpot reports the granted scopes (optional ones included) only as a `scopes` array.
  const scopeList = Array.isArray(raw.scopes) && raw.scopes.length && raw.scopes.every((s) => typeof s === 'string') ? (raw.scopes as string[]) : undefined;
  const scopes =
    typeof tokens.scope === 'string' && tokens.scope.trim() ? tokens.scope.split(/[\s,]+/).filter(Boolean) : (scopeList ?? options.requestedScopes);

  let accountId: string | null = null;
  if (def.account.idTokenClaim) {
    const claims = tokens.claims() ?? (tenantIdToken ? decodeJwtPayload(tenantIdToken) : undefined);
    const claim = claims?.[def.account.idTokenClaim];
    if (claim !== undefined) accountId = String(claim);
  }
  for (const path of def.account.tokenResponsePaths ?? []) {
    if (accountId) break;
    const value = pick(raw, path);
    if (typeof value === 'string' || typeof value === 'number') accountId = String(value);
  }
  // One userinfo request serves both the account id and the connect metadata read from it (Mailchimp's dc).
  let userinfo: unknown;
  if ((!accountId && def.account.userinfoPath) || options.wantUserinfo) userinfo = await fetchUserinfo(def, tokens.access_token, options.fetchImpl);
  if (!accountId && def.account.userinfoPath) {
    const value = pick(userinfo, def.account.userinfoPath);
    if (typeof value === 'string' || typeof value === 'number') accountId = String(value);
  }
  const metadata: Record<string, string> = {};
  for (const field of def.metadataFields ?? []) {
    const value = raw[field];
    if (typeof value === 'string') metadata[field] = value;
  }
  return { credentials, scopes, accountId, metadata, ...(options.wantUserinfo ? { userinfo } : {}) };
}

/**
 * When a caller of the token API or the proxy should stop trusting the stored token and ask the connection
 * workflow: well after the workflow's own refresh point (so normal refreshes never make a caller wait), but
 * before expiry: the last min(60 s, 10 % of the lifetime).
 */
export function tokenNeedsRefreshAt(tokens: Pick<TokenSet, 'expiresAt' | 'issuedAt'>): number | null {
  if (tokens.expiresAt === undefined) return null;
  const lifetime = Math.max(0, tokens.expiresAt - (tokens.issuedAt ?? tokens.expiresAt - 3600_000));
  return tokens.expiresAt - Math.min(60_000, 0.1 * lifetime);
}
