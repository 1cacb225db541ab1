import type { ProviderEntryInput } from '../schema.ts';

export const frontEntry: ProviderEntryInput = {
  key: 'front',
  name: 'Front',
  description: 'Conversations, inboxes and contacts in Front.',
  color: '#A857F1',
  docs: ['https://dev.frontapp.com/docs/oauth', 'https://dev.frontapp.com/docs/create-and-manage-apps'],
  apiBaseUrl: 'https://api2.frontapp.com',
  setupUrl: 'https://app.frontapp.com/settings/developers',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.frontapp.com/oauth/authorize',
    tokenUrl: 'https://app.frontapp.com/oauth/token',
    // Scopes are set on the app; the admin authorizing must be a Front admin.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    // The token endpoint takes the client id and secret as HTTP Basic (unverified against the current page).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens expire (expires_in decides) and are renewed with the refresh token, which is kept (unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
