import type { ProviderEntryInput } from '../schema.ts';

export const calendlyEntry: ProviderEntryInput = {
  key: 'calendly',
  name: 'Calendly',
  description: 'Event types, scheduled events and invitees in Calendly.',
  color: '#006BFF',
  docs: [
    'https://developer.calendly.com/how-to-access-calendly-data-on-behalf-of-authenticated-users',
    'https://developer.calendly.com/refresh-token-rotation-guide',
    'https://developer.calendly.com/api-docs/calendly-o-auth/o-auth/post-oauth-revoke',
  ],
  apiBaseUrl: 'https://api.calendly.com',
  setupUrl: 'https://developer.calendly.com/console/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.calendly.com/oauth/authorize',
    tokenUrl: 'https://auth.calendly.com/oauth/token',
    scopes: { default: [], separator: ' ' },
    // Calendly describes its server as OAuth 2.1; PKCE for a confidential client: unverified (harmless if ignored).
    pkce: 'S256',
    // The revoke endpoint takes client_id and client_secret in the form body; the token endpoint is assumed to as
    // well (unverified).
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The token response names the user (`owner` URI) and organization.
    account: { tokenResponsePaths: ['owner'] },
    // Access tokens last 2 hours. Refresh tokens are single-use: each refresh revokes the one used and returns a new one.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://auth.calendly.com/oauth/revoke', token: 'access_token' },
  },
};
