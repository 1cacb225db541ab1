// Docs: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app · https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
import type { ProviderDefinition } from './types.ts';

export const githubAppProvider: ProviderDefinition = {
  key: 'github-app',
  name: 'GitHub App',
  description: 'Act as a GitHub user through a GitHub App, with fine-grained permissions and expiring tokens.',
  color: '#181717',
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  userinfoUrl: 'https://api.github.com/user',
  apiBaseUrl: 'https://api.github.com',
  // Permissions are configured on the App; `scope` in the token response is always empty.
  defaultScopes: [],
  scopeSeparator: ' ',
  pkce: 'S256',
  clientAuth: 'client_secret_post',
  // GitHub's docs show refresh parameters in the query string; the form body works and keeps them out of URLs (REQ-18).
  tokenRequestBody: 'form',
  tokenRequestHeaders: { Accept: 'application/json' },
  errorsWithHttp200: 'error-field',
  // Identity is the numeric `id` from userinfoUrl (REQ-9).
  account: { userinfoPath: 'id' },
  // User tokens last 8 h (expires_in 28800); each refresh token is single-use and retires the old access token too.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  revocation: { style: 'github-app-token', url: 'https://api.github.com/applications/{client_id}/token', token: 'access_token' },
  webhook: {
    scheme: 'github',
    maxBodyBytes: 25 * 1024 * 1024,
    accountIdPaths: ['installation.id'],
    revocationEvents: ['installation.deleted', 'github_app_authorization.revoked'],
  },
  setupUrl: 'https://github.com/settings/apps',
};
