import type { ProviderEntryInput } from '../schema.ts';

export const asanaEntry: ProviderEntryInput = {
  key: 'asana',
  name: 'Asana',
  description: 'Tasks, projects and workspaces in Asana.',
  color: '#F06A6A',
  docs: ['https://developers.asana.com/docs/oauth'],
  apiBaseUrl: 'https://app.asana.com/api/1.0',
  setupUrl: 'https://app.asana.com/0/my-apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.asana.com/-/oauth_authorize',
    tokenUrl: 'https://app.asana.com/-/oauth_token',
    scopes: { default: ['default'], separator: ' ' },
    // PKCE (S256) for the authorization request (unverified for confidential apps; harmless if ignored).
    pkce: 'S256',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The token response carries the user as `data` {id, gid, name, email} (unverified against the current page).
    account: { tokenResponsePaths: ['data.gid'] },
    // Access tokens expire after one hour; the refresh token is long-lived and not replaced on refresh (unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    // POST /-/oauth_revoke with the refresh token revokes the grant.
    revocation: { style: 'rfc7009', url: 'https://app.asana.com/-/oauth_revoke', token: 'refresh_token' },
  },
};
