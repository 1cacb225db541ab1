import type { ProviderEntryInput } from '../schema.ts';

export const klaviyoEntry: ProviderEntryInput = {
  key: 'klaviyo',
  name: 'Klaviyo',
  description: 'Profiles, lists, events and campaigns in Klaviyo (private API key).',
  color: '#232426',
  docs: ['https://developers.klaviyo.com/en/docs/authenticate_', 'https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy'],
  apiBaseUrl: 'https://a.klaviyo.com/api',
  // Every request names a dated API revision (the value here is unverified as the newest).
  apiHeaders: { revision: '2024-10-15' },
  setupUrl: 'https://www.klaviyo.com/settings/account/api-keys',
  auth: {
    mode: 'api_key',
    label: 'Private API key',
    placement: { in: 'header', name: 'Authorization', prefix: 'Klaviyo-API-Key ' },
    // GET /accounts/ needs the accounts:read scope on the key (unverified that every key has it).
    verify: { path: '/accounts/' },
  },
};
