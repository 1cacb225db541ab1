import type { ProviderEntryInput } from '../schema.ts';

export const bitbucketEntry: ProviderEntryInput = {
  key: 'bitbucket',
  name: 'Bitbucket',
  description: 'Repositories, pull requests and pipelines of Bitbucket Cloud workspaces.',
  color: '#0052CC',
  docs: [
    'https://developer.atlassian.com/cloud/bitbucket/rest/intro/#authentication',
    'https://confluence.atlassian.com/bitbucket/oauth-endpoint-300220600.html',
  ],
  apiBaseUrl: 'https://api.bitbucket.org/2.0',
  setupUrl: 'https://bitbucket.org/account/settings/',
  auth: {
    mode: 'oauth2',
    // Bitbucket Cloud is not Atlassian 3LO: its own authorize/access_token endpoints.
    authorizationUrl: 'https://bitbucket.org/site/oauth2/authorize',
    tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
    userinfoUrl: 'https://api.bitbucket.org/2.0/user',
    // Scopes are ticked on the consumer; a scope parameter narrows them.
    scopes: { default: ['account', 'repository'], separator: ' ' },
    // PKCE: unverified for Bitbucket Cloud consumers.
    pkce: 'none',
    // The documented exchange authenticates with HTTP Basic (curl -u client_id:secret).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'uuid' },
    // Access tokens expire after two hours (unverified: older pages say one hour; expires_in decides).
    // Whether refresh rotates the refresh token: unverified; a returned one is stored either way.
    refresh: { supported: true, rotatesRefreshToken: false },
    // No token revocation endpoint is documented (unverified).
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
