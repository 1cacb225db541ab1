import * as oidc from 'openid-client';
import type { ProviderDefinition } from '../../providers/types.ts';

/**
 * The OAuth client side of every provider, on openid-client 6. Provider quirks go through its
 * `customFetch` hook (docs/security-reference.md part B): JSON token bodies (Notion, Atlassian), errors
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

/** Rewrites provider responses into RFC 6749 shape before openid-client validates them. */
export function quirkFetch(def: ProviderDefinition): oidc.CustomFetch {
  return async (url, options) => {
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    for (const [k, v] of Object.entries(def.tokenRequestHeaders ?? {})) headers.set(k, v);
    let body = options.body as RequestInit['body'];
    const isTokenEndpoint = url === def.tokenUrl || url.split('?')[0] === def.tokenUrl;
    if (isTokenEndpoint && def.tokenRequestBody === 'json' && options.body instanceof URLSearchParams) {
      body = JSON.stringify(Object.fromEntries(options.body));
      headers.set('content-type', 'application/json');
    }
    const response = await fetch(url, { ...(options as RequestInit), headers, body });
    if (!isTokenEndpoint || !response.headers.get('content-type')?.includes('json')) return response;
    const parsed = (await response.clone().json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!parsed || typeof parsed !== 'object') return response;
    const json = { 'content-type': 'application/json' };
    const slackFailure = def.errorsWithHttp200 === 'slack-ok-false' && parsed.ok === false;
    const fieldFailure = response.status === 200 && typeof parsed.error === 'string' && typeof parsed.access_token !== 'string';
    if (slackFailure || fieldFailure) {
      return new Response(JSON.stringify({ error: String(parsed.error ?? 'unknown_error'), error_description: parsed.error_description }), { status: 400, headers: json });
    }
    if (response.ok && typeof parsed.access_token === 'string' && !/^(bearer|dpop)$/i.test(String(parsed.token_type ?? ''))) {
      return new Response(JSON.stringify({ ...parsed, token_type: 'bearer', provider_token_type: parsed.token_type ?? null }), { status: response.status, headers: json });
    }
    return response;
  };
}

/** An openid-client Configuration for a provider definition and client credentials (endpoints pinned). */
export function clientConfiguration(def: ProviderDefinition, credentials: ClientCredentials): oidc.Configuration {
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
  const auth = def.clientAuth === 'client_secret_basic' ? oidc.ClientSecretBasic(credentials.clientSecret) : oidc.ClientSecretPost(credentials.clientSecret);
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
export async function buildAuthorizationRequest(def: ProviderDefinition, config: oidc.Configuration, options: { redirectUri: string; scopes: string[] }): Promise<AuthorizationRequest> {
  const state = oidc.randomState();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    scope: options.scopes.join(def.scopeSeparator),
    state,
    ...def.authorizationParams,
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
