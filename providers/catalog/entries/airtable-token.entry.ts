import type { ProviderEntryInput } from '../schema.ts';

/** Airtable with a personal access token; `airtable` is the OAuth integration. */
export const airtableTokenEntry: ProviderEntryInput = {
  key: 'airtable-token',
  name: 'Airtable (personal access token)',
  description: 'Bases, tables and records in Airtable with a personal access token.',
  color: '#18BFFF',
  docs: ['https://airtable.com/developers/web/api/authentication', 'https://airtable.com/developers/web/api/get-user-id-scopes'],
  apiBaseUrl: 'https://api.airtable.com/v0',
  setupUrl: 'https://airtable.com/create/tokens',
  auth: {
    mode: 'api_key',
    label: 'Personal access token',
    placement: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    verify: { path: '/meta/whoami' },
  },
};
