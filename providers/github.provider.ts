// Docs: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps · https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
import { githubBase } from './github.base.ts';
import { githubSync } from './sync/github.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const githubProvider: ProviderDefinition = {
  ...githubBase,
  key: 'github',
  docs: [
    'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    'https://docs.github.com/en/rest/apps/oauth-applications',
    'https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication',
  ],
  name: 'GitHub',
  description: 'Act as a GitHub user through an OAuth App: repositories, issues and pull requests.',
  // notifications: the sync hook reads /notifications.
  defaultScopes: ['read:user', 'notifications'],
  // OAuth App tokens do not expire and come without a refresh token.
  refresh: { supported: false, rotatesRefreshToken: false },
  setupUrl: 'https://github.com/settings/developers',
  sync: githubSync,
};
