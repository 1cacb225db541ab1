import type { ProviderEntryInput } from '../schema.ts';

export const pipedriveEntry: ProviderEntryInput = {
  key: 'pipedrive',
  name: 'Pipedrive',
  description: 'Deals, persons and organizations in a Pipedrive company.',
  color: '#017737',
  docs: ['https://pipedrive.readme.io/docs/marketplace-oauth-authorization', 'https://developers.pipedrive.com/docs/api/v1/Oauth'],
  apiBaseUrl: 'https://api.pipedrive.com/v1',
  setupUrl: 'https://developers.pipedrive.com/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
    tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    // Scopes are chosen on the app in the Marketplace Manager.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    // The token request authenticates with HTTP Basic (client_id:client_secret; unverified in this change).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    // The company's own API host comes with every token response.
    metadataFields: ['api_domain'],
    account: {},
    // Access tokens last about an hour (expires_in); the refresh token is reused, lifetime 60 days when unused (unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    // Revocation endpoint /oauth/revoke: documented in the v1 OAuth reference (Basic + token in the body).
    revocation: { style: 'rfc7009', url: 'https://oauth.pipedrive.com/oauth/revoke', token: 'refresh_token' },
  },
};
