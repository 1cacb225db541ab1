import type { ProviderEntryInput } from '../schema.ts';

/** monday.com apps use OAuth 2.1 (PKCE, expiring access tokens, refresh tokens) by default. */
export const mondayEntry: ProviderEntryInput = {
  key: 'monday',
  name: 'monday.com',
  description: 'Boards, items and updates in a monday.com account (GraphQL API).',
  color: '#FF3D57',
  docs: [
    'https://developer.monday.com/apps/docs/oauth-2-1',
    'https://developer.monday.com/apps/docs/oauth',
    'https://developer.monday.com/apps/docs/migrating-to-the-new-oauth-flow',
  ],
  apiBaseUrl: 'https://api.monday.com/v2',
  setupUrl: 'https://developer.monday.com/apps/docs/create-an-app',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.monday.com/oauth2/authorize',
    // The OAuth 2.1 token endpoint (the legacy flow's was /oauth2/token, with non-expiring tokens).
    tokenUrl: 'https://auth.monday.com/oauth_ms/oauth/token',
    scopes: { default: ['me:read', 'boards:read'], separator: ' ' },
    pkce: 'S256',
    // Client credentials in the token request body (unverified: Basic may be accepted too).
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The user's id needs a GraphQL query (`me { id }`), which AccountIdentity cannot express.
    account: {},
    // Access tokens expire (expires_in decides; the lifetime is unverified) and refresh tokens rotate ("token rotation
    // is handled by the platform").
    refresh: { supported: true, rotatesRefreshToken: true },
    // OAuth 2.1 adds token revocation; its endpoint URL is unverified, so it is not wired.
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
