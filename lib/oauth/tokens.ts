import type { ProviderDefinition } from '../../providers/types.ts';
import type * as oidc from 'openid-client';

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
}

export interface NormalizedTokens {
  credentials: TokenSet;
  scopes: string[];
  accountId: string | null;
  /** Non-secret facts to keep in settings (Salesforce instance_url…). */
  metadata: Record<string, string>;
}

function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function pick(source: unknown, dotted: string): unknown {
  let value: unknown = source;
  for (const part of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Turns a token-endpoint response into what we store (REQ-9): absolute expiry, granted scopes, the
 * provider-side account, and the previous refresh token when the provider did not rotate (REQ-11).
 */
export async function normalizeTokenResponse(
  def: ProviderDefinition,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  options: { requestedScopes: string[]; previous?: TokenSet; now?: number; fetchImpl?: typeof fetch },
): Promise<NormalizedTokens> {
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
  if (!accountId && def.account.userinfoPath && def.userinfoUrl) {
    const response = await (options.fetchImpl ?? fetch)(def.userinfoUrl, {
      headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
    });
    if (response.ok) {
      const value = pick(await response.json(), def.account.userinfoPath);
      if (typeof value === 'string' || typeof value === 'number') accountId = String(value);
    }
  }
  const metadata: Record<string, string> = {};
  for (const field of def.metadataFields ?? []) {
    const value = raw[field];
    if (typeof value === 'string') metadata[field] = value;
  }
  return { credentials, scopes, accountId, metadata };
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
