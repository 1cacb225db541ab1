// Docs: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app · https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
import { githubBase } from './github.base.ts';
import type { ProviderDefinition } from './types.ts';

export const githubAppProvider: ProviderDefinition = {
  ...githubBase,
  key: 'github-app',
  name: 'GitHub App',
  description: 'Act as a GitHub user through a GitHub App, with fine-grained permissions and expiring tokens.',
  // Permissions are configured on the App; `scope` in the token response is always empty.
  defaultScopes: [],
  // User tokens last 8 h (expires_in 28800); each refresh token is single-use and retires the old access token too.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  setupUrl: 'https://github.com/settings/apps',
};
