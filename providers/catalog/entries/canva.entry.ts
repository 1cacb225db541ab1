import type { ProviderEntryInput } from '../schema.ts';

export const canvaEntry: ProviderEntryInput = {
  key: 'canva',
  name: 'Canva',
  description: 'Designs, folders and assets in Canva (Connect API).',
  color: '#00C4CC',
  docs: ['https://www.canva.dev/docs/connect/authentication/', 'https://www.canva.dev/docs/connect/api-reference/authentication/generate-access-token/'],
  apiBaseUrl: 'https://api.canva.com/rest/v1',
  setupUrl: 'https://www.canva.com/developers/integrations',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.canva.com/api/oauth/authorize',
    tokenUrl: 'https://api.canva.com/rest/v1/oauth/token',
    userinfoUrl: 'https://api.canva.com/rest/v1/users/me',
    scopes: { default: ['design:meta:read', 'profile:read'], separator: ' ' },
    // The token endpoint implements the authorization code flow with PKCE (S256).
    pkce: 'S256',
    // Basic access authentication is the recommended client authentication.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'team_user.user_id' },
    // Access tokens last 4 hours ("subject to change": expires_in decides). Single-use refresh tokens: unverified.
    // Revoking a refresh token revokes its lineage and the user's consent.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://api.canva.com/rest/v1/oauth/revoke', token: 'refresh_token' },
  },
};
