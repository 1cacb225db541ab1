// Docs: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow · https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens
import { microsoftPush } from './push/microsoft.push.ts';
import type { ProviderDefinition } from './types.ts';

export const microsoftProvider: ProviderDefinition = {
  key: 'microsoft',
  docs: [
    'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    'https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens',
  ],
  name: 'Microsoft 365',
  description: 'Mail, calendars and files of a Microsoft work, school or personal account through Microsoft Graph.',
  color: '#0078D4',
  // No `issuer`: with the `common` tenant the ID token's iss is tenant-specific (…/{tid}/v2.0), so it cannot be
  // pinned statically; the per-provider callback path is the mix-up defence (REQ-5).
  authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  userinfoUrl: 'https://graph.microsoft.com/oidc/userinfo',
  apiBaseUrl: 'https://graph.microsoft.com/v1.0',
  // offline_access is what yields a refresh token.
  defaultScopes: ['openid', 'email', 'offline_access', 'User.Read'],
  scopeSeparator: ' ',
  // Nango disables PKCE for Microsoft (REQ-2).
  pkce: 'none',
  // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow : "prompt=consent triggers the OAuth consent dialog after the user signs in".
  consentPrompt: { param: 'prompt', value: 'consent' },
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  // `oid` is stable across apps; `sub` is pairwise per application.
  account: { idTokenClaim: 'oid' },
  // Each refresh returns a new refresh token; the old one is not revoked, but only the newest is kept.
  // https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens#token-lifetime : "The default lifetime for
  // the refresh tokens is 24 hours for single page apps and 90 days for all other scenarios", not configurable; each
  // new one starts its own 90 days. Azure AD B2C and ADFS state `refresh_token_expires_in` instead, which wins.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900, refreshTokenLifetimeSeconds: 90 * 86_400 },
  // No RFC 7009 endpoint; revokeSignInSessions would sign the user out of every app, so disconnect only forgets tokens.
  revocation: { style: 'none', token: 'refresh_token' },
  // Subscriptions are per connection and verified by subscriptionId + clientState; lifecycle notifications
  // ask for a fresh subscription (lib/webhooks/schemes/microsoft-graph.scheme.ts).
  webhook: { scheme: 'microsoft-graph', maxBodyBytes: 1024 * 1024 },
  push: microsoftPush,
  setupUrl: 'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade',
};
