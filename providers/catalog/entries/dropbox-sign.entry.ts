import type { ProviderEntryInput } from '../schema.ts';

export const dropboxSignEntry: ProviderEntryInput = {
  key: 'dropbox-sign',
  name: 'Dropbox Sign',
  description: 'Signature requests and templates in Dropbox Sign (formerly HelloSign).',
  color: '#1E1E1E',
  docs: ['https://developers.hellosign.com/docs/o-auth/overview/', 'https://developers.hellosign.com/docs/o-auth/walkthrough/'],
  apiBaseUrl: 'https://api.hellosign.com/v3',
  setupUrl: 'https://app.hellosign.com/home/myAccount#api',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.hellosign.com/oauth/authorize',
    tokenUrl: 'https://app.hellosign.com/oauth/token',
    // Scopes are chosen in the app settings, not in the authorization request.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens last an hour and are renewed with the refresh token (kept: unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
