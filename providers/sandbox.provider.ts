// Docs: https://github.com/panva/node-oidc-provider/blob/main/docs/README.md (served by Plugboard itself under /sandbox)
import { sandboxSync } from './sync/sandbox.sync.ts';
import type { ProviderDefinition } from './types.ts';

/**
 * The built-in sandbox authorization server; its URLs follow PUBLIC_URL (served by the API), or
 * PLUGBOARD_SANDBOX_URL when it runs as its own process, so it is built at runtime.
 */
export function sandboxProvider(baseUrl: string): ProviderDefinition {
  const root = `${baseUrl.replace(/\/+$/, '')}/sandbox`;
  return {
    key: 'sandbox',
    name: 'Sandbox',
    description: 'A local OAuth provider for trying Plugboard without registering an app anywhere.',
    color: '#6B7280',
    issuer: root,
    // oidc-provider's default routes.
    authorizationUrl: `${root}/auth`,
    tokenUrl: `${root}/token`,
    userinfoUrl: `${root}/me`,
    jwksUri: `${root}/jwks`,
    apiBaseUrl: `${root}/api`,
    defaultScopes: ['openid', 'offline_access', 'items:read', 'items:write'],
    scopeSeparator: ' ',
    pkce: 'S256',
    // oidc-provider implements OIDC Core §3.1.2.1 `prompt=consent` (its consent interaction is then always shown).
    consentPrompt: { param: 'prompt', value: 'consent' },
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    issParameterSupported: true,
    account: { idTokenClaim: 'sub' },
    refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
    revocation: { style: 'rfc7009', url: `${root}/token/revocation`, token: 'refresh_token' },
    webhook: { scheme: 'standard-webhooks', maxBodyBytes: 1024 * 1024 },
    sync: sandboxSync,
  };
}
