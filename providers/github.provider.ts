// Docs: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps · https://docs.github.com/en/rest/apps/oauth-applications · https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
import { githubSync } from './sync/github.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const githubProvider: ProviderDefinition = {
  key: 'github',
  name: 'GitHub',
  description: 'Act as a GitHub user through an OAuth App: repositories, issues and pull requests.',
  color: '#181717',
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  userinfoUrl: 'https://api.github.com/user',
  apiBaseUrl: 'https://api.github.com',
  // notifications: the sync hook reads /notifications.
  defaultScopes: ['read:user', 'notifications'],
  scopeSeparator: ' ',
  // Accepted since 2025-07-14, S256 only.
  pkce: 'S256',
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  // Without it the token response is form-encoded.
  tokenRequestHeaders: { Accept: 'application/json' },
  errorsWithHttp200: 'error-field',
  // The token response names no account: identity is the numeric `id` from userinfoUrl (REQ-9), re-read on
  // every reconnect.
  account: { userinfoPath: 'id' },
  // OAuth App tokens do not expire and come without a refresh token.
  refresh: { supported: false, rotatesRefreshToken: false },
  // DELETE with client Basic auth and `{"access_token": …}`; {client_id} is filled in at call time.
  revocation: { style: 'github-app-token', url: 'https://api.github.com/applications/{client_id}/token', token: 'access_token' },
  webhook: {
    scheme: 'github',
    // GitHub caps payloads at 25 MB.
    maxBodyBytes: 25 * 1024 * 1024,
    accountIdPaths: ['installation.id'],
    revocationEvents: ['installation.deleted', 'github_app_authorization.revoked'],
  },
  setupUrl: 'https://github.com/settings/developers',
  sync: githubSync,
};
