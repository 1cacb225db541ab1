// Docs: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps · https://docs.github.com/en/rest/apps/oauth-applications
import type { ProviderDefinition } from './types.ts';

/** What GitHub OAuth Apps and GitHub Apps (user-to-server) share: one authorization server, one token endpoint. */
export type GithubBase = Omit<ProviderDefinition, 'key' | 'name' | 'description' | 'defaultScopes' | 'refresh' | 'setupUrl' | 'sync'>;

export const githubBase: GithubBase = {
  color: '#181717',
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  userinfoUrl: 'https://api.github.com/user',
  apiBaseUrl: 'https://api.github.com',
  scopeSeparator: ' ',
  // Accepted since 2025-07-14, S256 only.
  pkce: 'S256',
  // No consentPrompt: GitHub's authorize endpoint has no parameter that forces the consent screen (its only `prompt`
  // value is `select_account`, https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#1-request-a-users-github-identity),
  // so an already-authorised app is granted silently; the connect page's click is the defence there.
  clientAuth: 'client_secret_post',
  // The docs show refresh parameters in the query string; the form body works and keeps them out of URLs (REQ-18).
  tokenRequestBody: 'form',
  // Without it the token response is form-encoded.
  tokenRequestHeaders: { Accept: 'application/json' },
  errorsWithHttp200: 'error-field',
  // The token response names no account: identity is the numeric `id` from userinfoUrl (REQ-9).
  account: { userinfoPath: 'id' },
  // DELETE with client Basic auth and `{"access_token": …}`; {client_id} is filled in at call time.
  revocation: { style: 'github-app-token', url: 'https://api.github.com/applications/{client_id}/token', token: 'access_token' },
  webhook: {
    scheme: 'github',
    // GitHub caps payloads at 25 MB.
    maxBodyBytes: 25 * 1024 * 1024,
  },
};
