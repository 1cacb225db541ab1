// Docs: https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
import type { ProviderDefinition } from './types.ts';

export const atlassianProvider: ProviderDefinition = {
  key: 'atlassian',
  docs: ['https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/'],
  name: 'Atlassian',
  description: 'Jira and Confluence Cloud sites the user grants access to.',
  color: '#0052CC',
  authorizationUrl: 'https://auth.atlassian.com/authorize',
  tokenUrl: 'https://auth.atlassian.com/oauth/token',
  userinfoUrl: 'https://api.atlassian.com/me',
  // Product APIs live under /ex/{jira|confluence}/{cloudId}/…
  apiBaseUrl: 'https://api.atlassian.com',
  defaultScopes: ['read:me', 'read:jira-work', 'offline_access'],
  scopeSeparator: ' ',
  authorizationParams: { audience: 'api.atlassian.com' },
  // https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ : "prompt: Set to consent so that the screen prompting the user to grant access will display".
  consentPrompt: { param: 'prompt', value: 'consent' },
  // Atlassian 3LO does not document PKCE for confidential apps (unverified).
  pkce: 'none',
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'json',
  // Identity is `account_id` from userinfoUrl.
  account: { userinfoPath: 'account_id' },
  // Every refresh disables the refresh token used (10-minute reuse leeway, per Atlassian staff).
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  revocation: { style: 'none', token: 'refresh_token' },
  // Not in the token response: the site's cloudId comes from GET https://api.atlassian.com/oauth/token/accessible-resources
  // with the new token, read once at connect (the first site; providers/catalog/connect-metadata.ts).
  connectMetadata: [{ name: 'cloudId', from: 'request', url: 'https://api.atlassian.com/oauth/token/accessible-resources', path: '0.id' }],
  // The Jira API of that site once cloudId is known (the proxy falls back to apiBaseUrl until then).
  accountApiBaseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}',
  setupUrl: 'https://developer.atlassian.com/console/myapps/',
};
