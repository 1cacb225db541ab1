import type { ProviderEntryInput } from '../schema.ts';

export const salesloftEntry: ProviderEntryInput = {
  key: 'salesloft',
  name: 'Salesloft',
  description: 'People, cadences and activities in Salesloft.',
  color: '#054A31',
  docs: ['https://developers.salesloft.com/docs/platform/api-basics/oauth-authentication/'],
  apiBaseUrl: 'https://api.salesloft.com/v2',
  setupUrl: 'https://accounts.salesloft.com/oauth/applications',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://accounts.salesloft.com/oauth/authorize',
    tokenUrl: 'https://accounts.salesloft.com/oauth/token',
    userinfoUrl: 'https://api.salesloft.com/v2/me',
    // Scopes are set on the OAuth application, not requested.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'data.id' },
    // Access tokens expire (expires_in decides; 2 hours unverified); a refresh returns a new refresh token (unverified).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
