import type { ProviderEntryInput } from '../schema.ts';

export const gongEntry: ProviderEntryInput = {
  key: 'gong',
  name: 'Gong',
  description: 'Calls, transcripts and users in Gong.',
  color: '#8039DF',
  docs: ['https://help.gong.io/docs/create-an-app-for-gong', 'https://gong.app.gong.io/settings/api/documentation'],
  // No fixed API base: each customer's API host comes back as api_base_url_for_customer in the token response
  // (kept as metadata); the proxy cannot reach Gong until that host can be used safely as a base.
  setupUrl: 'https://app.gong.io/company/api',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.gong.io/oauth2/authorize',
    tokenUrl: 'https://app.gong.io/oauth2/generate-customer-token',
    scopes: { default: ['api:calls:read:basic', 'api:users:read'], separator: ' ' },
    pkce: 'none',
    // The token request authenticates the app with an Authorization: Basic header.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    metadataFields: ['api_base_url_for_customer'],
    account: {},
    // Access tokens last a day (expires_in 86400); rotation of the refresh token is unverified.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
