import type { ProviderEntryInput } from '../schema.ts';

export const pagerdutyEntry: ProviderEntryInput = {
  key: 'pagerduty',
  name: 'PagerDuty',
  description: 'Incidents, services and schedules in PagerDuty (REST API v2, account API key).',
  color: '#06AC38',
  docs: [
    'https://developer.pagerduty.com/docs/authentication',
    'https://developer.pagerduty.com/docs/versioning',
    'https://developer.pagerduty.com/api-reference/',
  ],
  apiBaseUrl: 'https://api.pagerduty.com',
  // The REST API version is chosen with the Accept header.
  apiHeaders: { Accept: 'application/vnd.pagerduty+json;version=2' },
  setupUrl: 'https://support.pagerduty.com/main/docs/api-access-keys',
  auth: {
    mode: 'api_key',
    label: 'REST API key',
    // `Authorization: Token token=<key>`.
    placement: { in: 'header', name: 'Authorization', prefix: 'Token token=' },
    // GET /abilities works with an account-level key (a user-level one is not required).
    verify: { path: '/abilities' },
  },
};
