import type { ProviderEntryInput } from '../schema.ts';

export const brevoEntry: ProviderEntryInput = {
  key: 'brevo',
  name: 'Brevo',
  description: 'Contacts, campaigns and transactional email in Brevo (formerly Sendinblue).',
  color: '#0B996E',
  docs: ['https://developers.brevo.com/docs/getting-started', 'https://developers.brevo.com/reference/getaccount'],
  apiBaseUrl: 'https://api.brevo.com/v3',
  setupUrl: 'https://app.brevo.com/settings/keys/api',
  auth: {
    mode: 'api_key',
    label: 'API key',
    placement: { in: 'header', name: 'api-key' },
    verify: { path: '/account' },
  },
};
