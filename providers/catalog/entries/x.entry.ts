import type { ProviderEntryInput } from '../schema.ts';

export const xEntry: ProviderEntryInput = {
  key: 'x',
  name: 'X (Twitter)',
  description: 'Posts, timelines and users on X through API v2.',
  color: '#000000',
  docs: [
    'https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code',
    'https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token',
  ],
  apiBaseUrl: 'https://api.x.com/2',
  setupUrl: 'https://developer.x.com/en/portal/dashboard',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://x.com/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    userinfoUrl: 'https://api.x.com/2/users/me',
    // offline.access is what yields a refresh token.
    scopes: { default: ['tweet.read', 'users.read', 'offline.access'], separator: ' ' },
    // The flow is "Authorization Code Flow with PKCE": PKCE is required.
    pkce: 'S256',
    // Confidential clients authenticate to the token endpoints with HTTP Basic.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'data.id' },
    // Access tokens last two hours. Refresh tokens are single-use (unverified); a returned one is stored.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://api.x.com/2/oauth2/revoke', token: 'refresh_token' },
  },
};
