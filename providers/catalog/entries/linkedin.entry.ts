import type { ProviderEntryInput } from '../schema.ts';

export const linkedinEntry: ProviderEntryInput = {
  key: 'linkedin',
  name: 'LinkedIn',
  description: 'A LinkedIn member’s profile and sharing (OpenID Connect + REST).',
  color: '#0A66C2',
  docs: [
    'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow',
    'https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens',
  ],
  apiBaseUrl: 'https://api.linkedin.com/v2',
  setupUrl: 'https://www.linkedin.com/developers/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    userinfoUrl: 'https://api.linkedin.com/v2/userinfo',
    scopes: { default: ['openid', 'profile', 'email'], separator: ' ' },
    // PKCE applies to native apps only (unverified for web apps).
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'sub' },
    // Access tokens last 60 days. Programmatic refresh tokens (approved partners only) last 365 days from the
    // first grant: a refresh does not extend them (refresh_token_expires_in in the response says how long is left).
    refresh: { supported: true, rotatesRefreshToken: false, refreshTokenLifetimeSeconds: 365 * 86_400 },
    // Token revocation endpoint: unverified, so none.
    revocation: { style: 'none', token: 'access_token' },
  },
};
