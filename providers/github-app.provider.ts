// Docs: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app · https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens · https://docs.github.com/en/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token
import { githubBase } from './github.base.ts';
import type { AppIdentity, ProviderApi, ProviderDefinition } from './types.ts';

interface UserInstallations {
  installations?: { id?: number; app_id?: number; account?: { id?: number } | null }[];
}

/**
 * The App and its installation, as App webhooks name them (`X-GitHub-Hook-Installation-Target-ID`, the
 * payload's `installation.id`). A user-to-server token lists only this App's installations the user can
 * reach; the one on the user's own account wins, else the only one.
 */
export async function githubAppIdentity(api: ProviderApi, userId: string | null): Promise<AppIdentity> {
  const listed = await api.request<UserInstallations>('/user/installations');
  const installations = (listed.installations ?? []).filter((i) => typeof i.id === 'number');
  const chosen = installations.find((i) => userId !== null && String(i.account?.id) === userId) ?? (installations.length === 1 ? installations[0] : undefined);
  const appId = chosen?.app_id ?? installations[0]?.app_id;
  return { appId: appId === undefined ? undefined : String(appId), installationId: chosen ? String(chosen.id) : undefined };
}

export const githubAppProvider: ProviderDefinition = {
  ...githubBase,
  key: 'github-app',
  docs: [
    'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    'https://docs.github.com/en/rest/apps/oauth-applications',
    'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app',
    'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens',
    'https://docs.github.com/en/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token',
  ],
  name: 'GitHub App',
  description: 'Act as a GitHub user through a GitHub App, with fine-grained permissions and expiring tokens.',
  // Permissions are configured on the App; `scope` in the token response is always empty.
  defaultScopes: [],
  // User tokens last 8 h (expires_in 28800); each refresh token is single-use and retires the old access token too.
  // Refresh tokens last 6 months, stated in every response as `refresh_token_expires_in` (15897600), which
  // lib/oauth/tokens.ts records: https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  webhook: { ...githubBase.webhook!, appIdentity: ({ api, accountId }) => githubAppIdentity(api, accountId) },
  setupUrl: 'https://github.com/settings/apps',
};
