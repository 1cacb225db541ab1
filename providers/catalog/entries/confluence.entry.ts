import type { ProviderEntryInput } from '../schema.ts';

/** Confluence Cloud through Atlassian's OAuth 2.0 (3LO). */
export const confluenceEntry: ProviderEntryInput = {
  key: 'confluence',
  name: 'Confluence',
  description: 'Spaces and pages of a Confluence Cloud site.',
  color: '#1868DB',
  docs: [
    'https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/',
    'https://developer.atlassian.com/cloud/confluence/scopes-for-oauth-2-3LO-and-forge-apps/',
  ],
  // Requests go to https://api.atlassian.com/ex/confluence/{cloudId}/…; cloudId from accessible-resources.
  connectMetadata: [{ name: 'cloudId', from: 'request', url: 'https://api.atlassian.com/oauth/token/accessible-resources', path: '0.id' }],
  accountApiBaseUrl: 'https://api.atlassian.com/ex/confluence/{cloudId}',
  setupUrl: 'https://developer.atlassian.com/console/myapps/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    userinfoUrl: 'https://api.atlassian.com/me',
    scopes: { default: ['read:confluence-content.summary', 'read:confluence-space.summary', 'offline_access'], separator: ' ' },
    authorizationParams: { audience: 'api.atlassian.com' },
    consentPrompt: { param: 'prompt', value: 'consent' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'json',
    account: { userinfoPath: 'account_id' },
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
