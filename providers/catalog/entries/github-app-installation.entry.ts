import type { ProviderEntryInput } from '../schema.ts';

export const githubAppInstallationEntry: ProviderEntryInput = {
  key: 'github-app-installation',
  name: 'GitHub App (installation)',
  description: 'Act as your GitHub App on the repositories of one installation, with hourly installation tokens.',
  color: '#24292F',
  docs: [
    'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app',
    'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-an-installation-access-token-for-a-github-app',
    'https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app',
  ],
  apiBaseUrl: 'https://api.github.com',
  apiHeaders: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
  setupUrl: 'https://github.com/settings/apps',
  auth: {
    mode: 'github_app',
    // A JWT (RS256; iss the App's client id or id, iat 60 s back, exp at most 10 minutes ahead) as Bearer; the answer
    // holds `token` and `expires_at` (one hour).
    tokenUrl: 'https://api.github.com/app/installations/{installation_id}/access_tokens',
    tokenRequestHeaders: { 'X-GitHub-Api-Version': '2022-11-28' },
    refresh: { defaultLifetimeSeconds: 3600 },
  },
};
