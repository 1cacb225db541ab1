import type { ProviderEntryInput } from '../schema.ts';

export const freshbooksEntry: ProviderEntryInput = {
  key: 'freshbooks',
  name: 'FreshBooks',
  description: 'Invoices, clients and expenses in FreshBooks.',
  color: '#0075DD',
  docs: [
    'https://www.freshbooks.com/api/authenticating-with-oauth-2-0-on-the-new-freshbooks-api',
    'https://www.freshbooks.com/api/authentication',
    'https://www.freshbooks.com/api/me_endpoint',
  ],
  apiBaseUrl: 'https://api.freshbooks.com',
  setupUrl: 'https://my.freshbooks.com/#/developer',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.freshbooks.com/oauth/authorize',
    tokenUrl: 'https://api.freshbooks.com/auth/oauth/token',
    userinfoUrl: 'https://api.freshbooks.com/auth/api/v1/users/me',
    scopes: { default: ['user:profile:read'], separator: ' ' },
    pkce: 'none',
    // The token request is a JSON body carrying client_id and client_secret.
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'json',
    account: { userinfoPath: 'response.id' },
    // Access tokens last 12 hours; a refresh token is single-use and replaced by each refresh.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://api.freshbooks.com/auth/oauth/revoke', token: 'refresh_token' },
  },
};
