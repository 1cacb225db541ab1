/** The shapes a fake provider profile is written in, and the fake client the tests register. */

export type Endpoint = 'authorize' | 'token' | 'revoke' | 'userinfo' | 'jwks' | 'other';
export type ErrorKind = 'invalid_code' | 'invalid_refresh_token' | 'invalid_client' | 'bad_request';
/** `lost`: the grant is processed (a rotated refresh token is consumed) but the response never comes (REQ-15). */
export type Fault = '500' | '503' | '429' | 'hang' | 'lost' | 'invalid_client';

export interface RecordedRequest {
  endpoint: Endpoint;
  method: string;
  /** Full URL including the query string. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface GrantContext {
  grant: 'authorization_code' | 'refresh_token';
  accessToken: string;
  /** The newly issued refresh token, if any. */
  refreshToken?: string;
  /** The refresh token this request used (refresh grant only). */
  usedRefreshToken?: string;
  scope: string;
  idToken?: string;
  origin: string;
}

export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RevocationProfile {
  path: string;
  /** rfc7009: form `token`; slack: auth.revoke with Bearer; github: DELETE with client Basic + JSON; notion: JSON + Basic; dropbox: Bearer POST, no body. */
  style: 'rfc7009' | 'slack' | 'github' | 'notion' | 'dropbox';
  /** Client authentication the endpoint demands (rfc7009 only; github and notion always want Basic). */
  clientAuth?: 'basic' | 'body' | 'none';
  ok: FakeResponse;
  unknownToken: FakeResponse;
}

export interface OAuthFakeProfile {
  key: string;
  paths: { authorize: string; token: string; userinfo?: string };
  clientAuth: 'basic' | 'body';
  /** How the client must authenticate on a refresh, when not as on the code exchange (Keap: Basic). */
  refreshClientAuth?: 'basic' | 'body';
  tokenBody: 'form' | 'json';
  /** Headers the token endpoint insists on (Notion-Version). */
  requiredHeaders?: Record<string, string>;
  /** GitHub answers form-encoded unless the request accepts JSON. */
  formUnlessAcceptJson?: boolean;
  tokenPrefix: { access: string; refresh: string };
  issuesRefreshToken: boolean;
  rotatesRefreshToken: boolean;
  /** A used refresh token stays valid this long (Atlassian staff report 10 minutes, ◐). */
  reuseLeewayMs?: number;
  /** The scope the AS grants for a requested one (default: the same). */
  grantScope?: (requested: string) => string;
  tokenResponse: (ctx: GrantContext) => Record<string, unknown>;
  error: (kind: ErrorKind) => FakeResponse;
  /** ID token claims (iss, sub…) when `openid` was granted; aud, iat and exp are added. */
  idTokenClaims?: (origin: string) => Record<string, unknown>;
  /** Point ISSUER and JWKS_URI at the fake too (providers with a pinned issuer: Google). */
  overrideIssuer?: boolean;
  revocation?: RevocationProfile;
  userinfo?: Record<string, unknown>;
  /** The scheme the userinfo endpoint takes the token in (default `Bearer`; Mailchimp's metadata: `OAuth`). */
  userinfoScheme?: string;
  /** The provider's own answer to the `429` fault (default: text/plain with Retry-After: 7). */
  rateLimited?: FakeResponse;
  /**
   * Values for a templated provider (Shopify `{shop}`): `paths` may hold `{name}`, the fake's endpoint overrides keep
   * the placeholders (so the code under test must resolve them) and requests are matched on the filled paths.
   */
  templateValues?: Record<string, string>;
  /** Extra query parameters of the authorization response (QuickBooks `realmId`). */
  callbackParams?: Record<string, string>;
  /**
   * JSON answered to a GET with an active access token (Xero's `/connections`); `metadataPath` is the one the
   * endpoint override `CONNECT_METADATA_URL` points at.
   */
  resources?: Record<string, unknown>;
  metadataPath?: string;
}

export const CLIENT = { clientId: 'fake-client.id', clientSecret: 's3cr:et/+ x%' };

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

/** HTTP Basic client credentials decoded per RFC 6749 §2.3.1 (form-urlencoded, then base64). */
export function decodeBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const [id, secret, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  return id === undefined || secret === undefined || rest.length ? undefined : { id: formDecode(id), secret: formDecode(secret) };
}
