import type { ProviderEntryInput } from '../schema.ts';

export const resendEntry: ProviderEntryInput = {
  key: 'resend',
  name: 'Resend',
  description: 'Email sending, domains and audiences in Resend.',
  color: '#000000',
  docs: ['https://resend.com/docs/api-reference/introduction', 'https://resend.com/docs/api-reference/api-keys/create-api-key'],
  apiBaseUrl: 'https://api.resend.com',
  setupUrl: 'https://resend.com/api-keys',
  auth: {
    mode: 'api_key',
    // Keys have full access or sending access; the check below reads the domains, which a sending-only key may not
    // (unverified), so a full-access key is asked for.
    label: 'API key (full access)',
    placement: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    verify: { path: '/domains' },
  },
};
