import type { ProviderEntryInput } from '../schema.ts';

export const outreachEntry: ProviderEntryInput = {
  key: 'outreach',
  name: 'Outreach',
  description: 'Prospects, sequences and mailings in Outreach.',
  color: '#5951FF',
  docs: ['https://developers.outreach.io/api/oauth/', 'https://developers.outreach.io/api/'],
  apiBaseUrl: 'https://api.outreach.io/api/v2',
  setupUrl: 'https://developers.outreach.io/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://api.outreach.io/oauth/authorize',
    tokenUrl: 'https://api.outreach.io/oauth/token',
    // Space-separated resource.level scopes.
    scopes: { default: ['users.read', 'prospects.read'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens last two hours; a refresh returns a new refresh token (unverified that the old one dies).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
