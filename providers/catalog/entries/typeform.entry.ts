import type { ProviderEntryInput } from '../schema.ts';

export const typeformEntry: ProviderEntryInput = {
  key: 'typeform',
  name: 'Typeform',
  description: 'Forms and responses in Typeform.',
  color: '#262627',
  docs: ['https://www.typeform.com/developers/get-started/applications/'],
  apiBaseUrl: 'https://api.typeform.com',
  setupUrl: 'https://admin.typeform.com/account#/section/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://api.typeform.com/oauth/authorize',
    tokenUrl: 'https://api.typeform.com/oauth/token',
    // `offline` yields a refresh token.
    scopes: { default: ['forms:read', 'responses:read', 'accounts:read', 'offline'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens last a week and a refresh returns a new refresh token (unverified; expires_in decides).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
