import type { ProviderEntryInput } from '../schema.ts';

export const attioEntry: ProviderEntryInput = {
  key: 'attio',
  name: 'Attio',
  description: 'Records, lists and notes in an Attio workspace.',
  color: '#266DF0',
  docs: ['https://docs.attio.com/rest-api/tutorials/connect-an-app-through-oauth', 'https://docs.attio.com/rest-api/endpoint-reference/meta/identify'],
  apiBaseUrl: 'https://api.attio.com/v2',
  setupUrl: 'https://build.attio.com/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.attio.com/authorize',
    tokenUrl: 'https://app.attio.com/oauth/token',
    userinfoUrl: 'https://api.attio.com/v2/self',
    // Scopes are configured on the app, not requested.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The token is for a workspace: /v2/self names it.
    account: { userinfoPath: 'workspace_id' },
    // Access tokens do not expire and there is no refresh token (unverified).
    refresh: { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
  },
};
