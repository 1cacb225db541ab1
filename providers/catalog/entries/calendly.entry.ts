import type { ProviderEntryInput } from '../schema.ts';

export const calendlyEntry: ProviderEntryInput = {
  key: 'calendly',
  name: 'Calendly',
  description: 'Event types, scheduled events and invitees in Calendly.',
  color: '#006BFF',
  docs: ['https://developer.calendly.com/create-a-developer-account', 'https://developer.calendly.com/api-docs/'],
  apiBaseUrl: 'https://api.calendly.com',
  setupUrl: 'https://developer.calendly.com/console/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.calendly.com/oauth/authorize',
    tokenUrl: 'https://auth.calendly.com/oauth/token',
    scopes: { default: [], separator: ' ' },
    // PKCE is supported (S256).
    pkce: 'S256',
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    // The token response names the user (`owner` URI) and organization.
    account: { tokenResponsePaths: ['owner'] },
    // Access tokens last 2 hours; refresh tokens are single-use (unverified).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://auth.calendly.com/oauth/revoke', token: 'access_token' },
  },
};
