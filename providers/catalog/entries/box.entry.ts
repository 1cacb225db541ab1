import type { ProviderEntryInput } from '../schema.ts';

export const boxEntry: ProviderEntryInput = {
  key: 'box',
  name: 'Box',
  description: 'Files and folders in Box.',
  color: '#0061D5',
  docs: [
    'https://developer.box.com/guides/authentication/oauth2/',
    'https://developer.box.com/guides/authentication/tokens/refresh',
    'https://developer.box.com/guides/authentication/tokens/access-tokens/',
  ],
  apiBaseUrl: 'https://api.box.com/2.0',
  setupUrl: 'https://app.box.com/developers/console',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://account.box.com/api/oauth2/authorize',
    tokenUrl: 'https://api.box.com/oauth2/token',
    userinfoUrl: 'https://api.box.com/2.0/users/me',
    // Box scopes are configured on the app; none need be requested.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last an hour. A refresh token is valid for 60 days and works once: every refresh returns a new one.
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 60 * 86_400 },
    revocation: { style: 'rfc7009', url: 'https://api.box.com/oauth2/revoke', token: 'access_token' },
  },
};
