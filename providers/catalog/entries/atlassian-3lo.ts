import type { ProviderEntryInput } from '../schema.ts';

/**
 * Atlassian's OAuth 2.0 (3LO) as the Jira and Confluence entries share it: only the default scopes differ. (The
 * `atlassian` provider, providers/atlassian.provider.ts, is a code definition with a longer refresh lead; it is not
 * derived from this because a code definition is not entry-shaped.)
 */
export function atlassian3lo(defaultScopes: string[]): Extract<ProviderEntryInput['auth'], { mode: 'oauth2' }> {
  return {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    userinfoUrl: 'https://api.atlassian.com/me',
    // offline_access yields a refresh token.
    scopes: { default: [...defaultScopes, 'offline_access'], separator: ' ' },
    authorizationParams: { audience: 'api.atlassian.com' },
    consentPrompt: { param: 'prompt', value: 'consent' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'json',
    account: { userinfoPath: 'account_id' },
    // Rotating refresh tokens (as the atlassian provider).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  };
}
