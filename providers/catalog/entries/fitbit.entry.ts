import type { ProviderEntryInput } from '../schema.ts';

export const fitbitEntry: ProviderEntryInput = {
  key: 'fitbit',
  name: 'Fitbit',
  description: 'Activity, sleep and profile data from the Fitbit Web API.',
  color: '#00B0B9',
  docs: [
    'https://dev.fitbit.com/build/reference/web-api/developer-guide/authorization/',
    'https://dev.fitbit.com/build/reference/web-api/authorization/oauth2-token/',
    'https://dev.fitbit.com/build/reference/web-api/authorization/revoke-token/',
  ],
  apiBaseUrl: 'https://api.fitbit.com',
  setupUrl: 'https://dev.fitbit.com/apps/new',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.fitbit.com/oauth2/authorize',
    tokenUrl: 'https://api.fitbit.com/oauth2/token',
    scopes: { default: ['profile', 'activity'], separator: ' ' },
    // Authorization Code Grant Flow with PKCE is the recommended flow.
    pkce: 'S256',
    // Server applications send an Authorization: Basic header with client id and secret.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { tokenResponsePaths: ['user_id'] },
    // Access tokens last 8 hours (expires_in 28800); a refresh token can be used once and is replaced.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://api.fitbit.com/oauth2/revoke', token: 'refresh_token' },
  },
};
