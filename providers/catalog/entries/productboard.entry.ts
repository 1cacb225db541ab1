import type { ProviderEntryInput } from '../schema.ts';

export const productboardEntry: ProviderEntryInput = {
  key: 'productboard',
  name: 'Productboard',
  description: 'Features, notes and product hierarchy in Productboard.',
  color: '#0D99FF',
  docs: ['https://developer.productboard.com/docs/how-to-integrate-with-productboard-via-oauth2-developer-documentation'],
  apiBaseUrl: 'https://api.productboard.com',
  // The public API wants its version in a header on every call.
  apiHeaders: { 'X-Version': '1' },
  setupUrl: 'https://app.productboard.com/oauth2/applications',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.productboard.com/oauth2/authorize',
    tokenUrl: 'https://app.productboard.com/oauth2/token',
    // Scope names unverified beyond the integration guide.
    scopes: { default: ['product_hierarchy_data:read'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens expire and a refresh token is issued (lifetime and rotation unverified; expires_in decides).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
