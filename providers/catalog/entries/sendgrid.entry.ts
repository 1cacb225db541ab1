import type { ProviderEntryInput } from '../schema.ts';

export const sendgridEntry: ProviderEntryInput = {
  key: 'sendgrid',
  name: 'SendGrid',
  description: 'Email sending, templates and contacts in Twilio SendGrid (v3 API).',
  color: '#1A82E2',
  docs: [
    'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/authentication',
    'https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access',
  ],
  apiBaseUrl: 'https://api.sendgrid.com/v3',
  setupUrl: 'https://app.sendgrid.com/settings/api_keys',
  auth: {
    mode: 'api_key',
    label: 'API key',
    placement: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    // GET /scopes lists what the key may do: any valid key can read it.
    verify: { path: '/scopes' },
  },
};
