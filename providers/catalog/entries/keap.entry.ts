import type { ProviderEntryInput } from '../schema.ts';

export const keapEntry: ProviderEntryInput = {
  key: 'keap',
  name: 'Keap',
  description: 'Contacts, orders and campaigns in Keap (formerly Infusionsoft).',
  color: '#36A635',
  docs: ['https://developer.infusionsoft.com/getting-started-oauth-keys/', 'https://developer.keap.com/docs/rest/'],
  apiBaseUrl: 'https://api.infusionsoft.com/crm/rest/v1',
  setupUrl: 'https://keys.developer.keap.com/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://accounts.infusionsoft.com/app/oauth/authorize',
    tokenUrl: 'https://api.infusionsoft.com/token',
    scopes: { default: ['full'], separator: ' ' },
    pkce: 'none',
    // The code exchange sends client_id and client_secret in the body; the refresh request is documented with an
    // Authorization: Basic header (base64 of client_id:client_secret) instead.
    clientAuth: 'client_secret_post',
    refreshClientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens last 24 hours; each refresh returns a new refresh token (unverified that the old one dies at once).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
