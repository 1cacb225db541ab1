import type { ProviderEntryInput } from '../schema.ts';

export const mailgunEntry: ProviderEntryInput = {
  key: 'mailgun',
  name: 'Mailgun',
  description: 'Sending domains, messages and events in Mailgun (US region).',
  color: '#F06B66',
  docs: ['https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/', 'https://documentation.mailgun.com/docs/mailgun/api-reference/'],
  // The EU region is https://api.eu.mailgun.net: not covered by this entry.
  apiBaseUrl: 'https://api.mailgun.net/v3',
  setupUrl: 'https://app.mailgun.com/settings/api_security',
  auth: {
    mode: 'basic',
    // HTTP Basic with the literal username `api` and the API key as the password.
    username: { fixed: 'api' },
    password: { label: 'API key', secret: true },
    verify: { path: '/domains' },
  },
};
