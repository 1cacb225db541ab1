import * as oidc from 'openid-client';
import { outboundBlockedCause } from '../net-guard.ts';

export interface DiscoveredServer {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string | null;
  pkce: 'S256' | 'none';
  issParameterSupported: boolean;
  /** `prompt_values_supported` lists `consent` (OIDC Discovery §3): connects send `prompt=consent`. */
  consentPrompt: boolean;
}

export class DiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

/**
 * RFC 8414 / OpenID Connect discovery (REQ-17) through openid-client, which rejects metadata whose `issuer`
 * differs from the configured one (RFC 8414 §3.3). Plain http is allowed only towards loopback. A tenant's issuer is
 * fetched through the outbound guard (`options.fetch`, lib/net-guard.ts).
 */
export async function discoverServer(issuer: string, options: { allowLoopbackHttp: boolean; fetch?: typeof fetch }): Promise<DiscoveredServer> {
  const url = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(options.allowLoopbackHttp && loopback && url.protocol === 'http:')) {
    throw new DiscoveryError('the issuer must be an https URL');
  }
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(url, 'discovery-only', undefined, undefined, {
      execute: url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
      ...(options.fetch ? { [oidc.customFetch]: options.fetch } : {}),
    });
  } catch (error) {
    const reason =
      error instanceof oidc.ClientError && /issuer/.test(String(error.cause ?? error.message))
        ? 'its metadata names a different issuer (RFC 8414 §3.3)'
        : (outboundBlockedCause(error)?.message ?? (error as Error).message);
    throw new DiscoveryError(`discovery at ${issuer} failed: ${reason}`, { cause: error });
  }
  const m = config.serverMetadata();
  if (!m.authorization_endpoint || !m.token_endpoint) throw new DiscoveryError('the metadata has no authorization_endpoint or token_endpoint');
  return {
    issuer: m.issuer,
    authorizationUrl: m.authorization_endpoint,
    tokenUrl: m.token_endpoint,
    revocationUrl: m.revocation_endpoint ?? null,
    pkce: m.code_challenge_methods_supported?.includes('S256') ? 'S256' : 'none',
    issParameterSupported: m.authorization_response_iss_parameter_supported === true,
    consentPrompt: Array.isArray(m.prompt_values_supported) && m.prompt_values_supported.includes('consent'),
  };
}
