import type { ProviderEntryInput } from '../schema.ts';

export const redditEntry: ProviderEntryInput = {
  key: 'reddit',
  name: 'Reddit',
  description: 'A Reddit user’s identity, posts and subreddits.',
  color: '#FF4500',
  docs: ['https://github.com/reddit-archive/reddit/wiki/OAuth2'],
  apiBaseUrl: 'https://oauth.reddit.com',
  setupUrl: 'https://www.reddit.com/prefs/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.reddit.com/api/v1/authorize',
    tokenUrl: 'https://www.reddit.com/api/v1/access_token',
    userinfoUrl: 'https://oauth.reddit.com/api/v1/me',
    scopes: { default: ['identity', 'read'], separator: ' ' },
    // duration=permanent is what yields a refresh token.
    authorizationParams: { duration: 'permanent' },
    pkce: 'none',
    // HTTP Basic with the client id and secret.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last an hour; the refresh token is kept on refresh (both unverified: expires_in decides).
    refresh: { supported: true, rotatesRefreshToken: false },
    // POST /api/v1/revoke_token with Basic, token and token_type_hint (RFC 7009 shape).
    revocation: { style: 'rfc7009', url: 'https://www.reddit.com/api/v1/revoke_token', token: 'refresh_token' },
  },
};
