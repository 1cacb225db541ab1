import type { ProviderEntryInput } from '../schema.ts';

export const clickupEntry: ProviderEntryInput = {
  key: 'clickup',
  name: 'ClickUp',
  description: 'Tasks, lists and spaces in the ClickUp Workspaces a user authorizes.',
  color: '#7B68EE',
  docs: ['https://developer.clickup.com/docs/authentication', 'https://developer.clickup.com/reference/getaccesstoken'],
  apiBaseUrl: 'https://api.clickup.com/api/v2',
  setupUrl: 'https://app.clickup.com/settings/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.clickup.com/api',
    tokenUrl: 'https://api.clickup.com/api/v2/oauth/token',
    userinfoUrl: 'https://api.clickup.com/api/v2/user',
    // ClickUp has no OAuth scopes: the user picks Workspaces on the consent page.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    // The reference shows client_id, client_secret and code as parameters of the token request (sent in the form
    // body here, REQ-18; that the body is accepted is unverified).
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'user.id' },
    // OAuth access tokens do not expire and no refresh token is issued (unverified beyond the personal-token note).
    refresh: { supported: false, rotatesRefreshToken: false },
    // No revocation endpoint is documented.
    revocation: { style: 'none', token: 'access_token' },
  },
};
