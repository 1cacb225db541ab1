// Docs: https://developers.zoom.us/docs/integrations/oauth/ · https://developers.zoom.us/docs/integrations/PKCE/
import type { ProviderDefinition } from './types.ts';

export const zoomProvider: ProviderDefinition = {
  key: 'zoom',
  docs: ['https://developers.zoom.us/docs/integrations/oauth/', 'https://developers.zoom.us/docs/integrations/PKCE/'],
  name: 'Zoom',
  description: 'Meetings, recordings and users of a Zoom account.',
  color: '#0B5CFF',
  authorizationUrl: 'https://zoom.us/oauth/authorize',
  tokenUrl: 'https://zoom.us/oauth/token',
  userinfoUrl: 'https://api.zoom.us/v2/users/me',
  apiBaseUrl: 'https://api.zoom.us/v2',
  // Granular scope name (unverified for every app type; classic apps use `user:read`).
  defaultScopes: ['user:read:user'],
  scopeSeparator: ' ',
  pkce: 'S256',
  clientAuth: 'client_secret_basic',
  tokenRequestBody: 'form',
  // Identity is `id` from userinfoUrl.
  account: { userinfoPath: 'id' },
  // Access tokens last 1 h; each refresh returns a new refresh token and retires the old one.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  // Revoking the access token also uninstalls the app. Some docs show `token` in the query string; we send it in the body.
  revocation: { style: 'rfc7009', url: 'https://zoom.us/oauth/revoke', token: 'access_token' },
  setupUrl: 'https://marketplace.zoom.us/develop/create',
};
