import type { ProviderEntryInput } from '../schema.ts';
import { atlassian3lo } from './atlassian-3lo.ts';

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
  auth: atlassian3lo(['read:confluence-content.summary', 'read:confluence-space.summary']),
};
