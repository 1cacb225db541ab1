import type { ProviderEntryInput } from '../schema.ts';
import { atlassian3lo } from './atlassian-3lo.ts';

/** Jira Cloud through Atlassian's OAuth 2.0 (3LO); the `atlassian` provider covers Jira and Confluence together. */
export const jiraEntry: ProviderEntryInput = {
  key: 'jira',
  name: 'Jira',
  description: 'Issues, projects and boards of a Jira Cloud site.',
  color: '#2684FF',
  docs: [
    'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/',
    'https://developer.atlassian.com/cloud/jira/platform/scopes-for-oauth-2-3LO-and-forge-apps/',
  ],
  // Requests go to https://api.atlassian.com/ex/jira/{cloudId}/…; the site's cloudId comes from
  // GET /oauth/token/accessible-resources with the new token (the first site is kept).
  connectMetadata: [{ name: 'cloudId', from: 'request', url: 'https://api.atlassian.com/oauth/token/accessible-resources', path: '0.id' }],
  accountApiBaseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}',
  setupUrl: 'https://developer.atlassian.com/console/myapps/',
  auth: atlassian3lo(['read:jira-work', 'read:jira-user']),
};
