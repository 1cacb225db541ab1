import * as oidc from 'openid-client';
import type { ProviderDefinition } from '../../providers/types.ts';

/**
 * The OAuth client side of every provider, on openid-client 6. Provider quirks go through its
 * `customFetch` hook (docs/security.md part B): JSON token bodies (Notion, Atlassian), errors
 * with HTTP 200 (GitHub `error`, Slack `ok:false`), non-Bearer `token_type` (Slack `bot`), extra headers.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export class OAuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthConfigError';
  }
}

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/**
 * Microsoft's `common` endpoint issues ID tokens whose `iss` names the user's tenant (`{origin}/{tid}/v2.0`), so
 * a definition without a pinned `issuer` cannot have openid-client compare it with the synthetic issuer (the
 * authorization URL's origin): that rejects every such ID token. Entra's multi-tenant rule is checked instead,
 * and the token is handed on as `provider_id_token`, read only for the account claim (normalizeTokenResponse);
 * it came over TLS straight from the pinned token endpoint (OIDC Core §3.1.3.7).
 */
function isTenantIssued(def: ProviderDefinition, idToken: string): boolean {
  if (def.issuer !== undefined) return false;
  try {
    const { iss, tid } = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown; tid?: unknown };
    return typeof tid === 'string' && /^[0-9a-f-]{36}$/i.test(tid) && iss === `${new URL(def.authorizationUrl).origin}/${tid}/v2.0`;
  } catch {
    return false;
  }
}

/** Rewrites provider responses into RFC 6749 shape before openid-client validates them. */
export function quirkFetch(def: ProviderDefinition): oidc.CustomFetch {
  return async (url, options) => {
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    for (const [k, v] of Object.entries(def.tokenRequestHeaders ?? {})) headers.set(k, v);
    let body = options.body as RequestInit['body'];
    const isTokenEndpoint = url === def.tokenUrl || url.split('?')[0] === def.tokenUrl;
    // Fixed extra parameters of the code exchange (Shopify's expiring offline tokens), never overriding ours.
    if (isTokenEndpoint && def.tokenParams && options.body instanceof URLSearchParams && options.body.get('grant_type') === 'authorization_code') {
      const params = new URLSearchParams(options.body);
      for (const [k, v] of Object.entries(def.tokenParams)) if (!params.has(k)) params.set(k, v);
      body = params;
    }
    if (isTokenEndpoint && def.tokenRequestBody === 'json' && options.body instanceof URLSearchParams) {
      body = JSON.stringify(Object.fromEntries(body as URLSearchParams));
      headers.set('content-type', 'application/json');
    }
    // A custom provider's endpoints were set by a tenant: its fetch is the outbound guard's (token, revocation, userinfo, JWKS).
    const response = await (def.fetch ?? fetch)(url, { ...(options as RequestInit), headers, body });
    if (!isTokenEndpoint || !response.headers.get('content-type')?.includes('json')) return response;
    const parsed = (await response
      .clone()
      .json()
      .catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!parsed || typeof parsed !== 'object') return response;
    const json = { 'content-type': 'application/json' };
    const slackFailure = def.errorsWithHttp200 === 'slack-ok-false' && parsed.ok === false;
    const fieldFailure = response.status === 200 && typeof parsed.error === 'string' && typeof parsed.access_token !== 'string';
    if (slackFailure || fieldFailure) {
      // Only a 200 becomes a 400: Slack's rate limit is HTTP 429 + Retry-After with `ok:false`, and must stay transient (REQ-14).
      const retryAfter = response.headers.get('retry-after');
      return new Response(JSON.stringify({ error: String(parsed.error ?? 'unknown_error'), error_description: parsed.error_description }), {
        status: response.ok ? 400 : response.status,
        headers: { ...json, ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
      });
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      // Error bodies without an RFC 6749 `error` (HubSpot `{status: 'BAD_REFRESH_TOKEN', message, category}`) would surface
      // as a non-conform response, which REQ-14 classifies as transient and retries forever: name the error instead.
      if (typeof parsed.error !== 'string') {
        const code = [parsed.status, parsed.category].find((v) => typeof v === 'string') ?? 'invalid_request';
        return new Response(JSON.stringify({ error: code, error_description: typeof parsed.message === 'string' ? parsed.message : undefined }), {
          status: response.status,
          headers: json,
        });
      }
      // RFC 6749 §5.2 answers a client that used HTTP Basic with 401 + WWW-Authenticate; openid-client then throws a
      // WWWAuthenticateChallengeError that hides `invalid_client` from the REQ-14 classification.
      if (response.headers.has('www-authenticate')) return new Response(JSON.stringify(parsed), { status: response.status, headers: json });
    }
    if (response.ok && typeof parsed.access_token === 'string') {
      let patched = parsed;
      // Twitch returns `scope` as a JSON array; RFC 6749 §5.1 (and openid-client) want a space-delimited string.
      if (Array.isArray(parsed.scope) && parsed.scope.every((s) => typeof s === 'string')) patched = { ...patched, scope: parsed.scope.join(' ') };
      // Mailchimp answers `scope: null` and `expires_in: 0` (a token that never expires): both mean "not stated".
      if (parsed.scope === null) patched = Object.fromEntries(Object.entries(patched).filter(([k]) => k !== 'scope'));
      if (parsed.expires_in === 0) patched = Object.fromEntries(Object.entries(patched).filter(([k]) => k !== 'expires_in'));
      if (!/^(bearer|dpop)$/i.test(String(parsed.token_type ?? '')))
        patched = { ...patched, token_type: 'bearer', provider_token_type: parsed.token_type ?? null };
      if (typeof parsed.id_token === 'string' && isTenantIssued(def, parsed.id_token)) {
        const { id_token: idToken, ...rest } = patched;
        patched = { ...rest, provider_id_token: idToken };
      }
      if (patched !== parsed) return new Response(JSON.stringify(patched), { status: response.status, headers: json });
    }
    return response;
  };
}

/** An openid-client Configuration for a provider definition and client credentials (endpoints pinned). */
export function clientConfiguration(
  def: ProviderDefinition,
  credentials: ClientCredentials,
  /** `refresh`: the client authenticates as `refreshClientAuth` says, where the provider documents another way. */
  purpose: 'code' | 'refresh' = 'code',
): oidc.Configuration {
  // A templated provider (Shopify `{shop}`) must be resolved for its integration first (ProviderRegistry.resolveFor).
  if ([def.authorizationUrl, def.tokenUrl].some((url) => /\{[A-Za-z][A-Za-z0-9]*\}/.test(url))) {
    throw new OAuthConfigError(
      `${def.name} needs connect parameters (${(def.templateParams ?? []).map((p) => p.name).join(', ')}) before its endpoints can be used`,
    );
  }
  const metadata: oidc.ServerMetadata = {
    issuer: def.issuer ?? new URL(def.authorizationUrl).origin,
    authorization_endpoint: def.authorizationUrl,
    token_endpoint: def.tokenUrl,
    ...(def.revocation.style === 'rfc7009' && def.revocation.url ? { revocation_endpoint: def.revocation.url } : {}),
    ...(def.userinfoUrl ? { userinfo_endpoint: def.userinfoUrl } : {}),
    ...(def.jwksUri ? { jwks_uri: def.jwksUri } : {}),
    ...(def.issParameterSupported ? { authorization_response_iss_parameter_supported: true } : {}),
    ...(def.key === 'sandbox' ? { introspection_endpoint: `${def.issuer}/token/introspection` } : {}),
  };
  const method = purpose === 'refresh' ? (def.refreshClientAuth ?? def.clientAuth) : def.clientAuth;
  const auth = method === 'client_secret_basic' ? oidc.ClientSecretBasic(credentials.clientSecret) : oidc.ClientSecretPost(credentials.clientSecret);
  const config = new oidc.Configuration(metadata, credentials.clientId, { client_secret: credentials.clientSecret }, auth);
  config[oidc.customFetch] = quirkFetch(def);
  config.timeout = 15;
  // Plain http only towards loopback (the sandbox, local fakes in tests); every real provider is https (REQ-20).
  if ([def.authorizationUrl, def.tokenUrl].some(isLoopbackHttp)) oidc.allowInsecureRequests(config);
  return config;
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string | null;
}

/** Builds the authorization URL with a fresh state (≥128 bits) and PKCE S256 where supported (REQ-1..REQ-4). */
export async function buildAuthorizationRequest(
  def: ProviderDefinition,
  config: oidc.Configuration,
  options: { redirectUri: string; scopes: string[] },
): Promise<AuthorizationRequest> {
  const state = oidc.randomState();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    scope: options.scopes.join(def.scopeSeparator),
    state,
    ...def.authorizationParams,
    // The consent screen even for an app the person already authorised: the person must see what is being connected.
    ...(def.consentPrompt ? { [def.consentPrompt.param]: def.consentPrompt.value } : {}),
  };
  let codeVerifier: string | null = null;
  if (def.pkce === 'S256') {
    codeVerifier = oidc.randomPKCECodeVerifier();
    params.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  return { url: oidc.buildAuthorizationUrl(config, params).href, state, codeVerifier };
}

export { oidc };
