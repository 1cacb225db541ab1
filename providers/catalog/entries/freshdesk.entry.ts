import type { ProviderEntryInput } from '../schema.ts';

/** Freshdesk: each helpdesk is `{domain}.freshdesk.com`. */
export const freshdeskEntry: ProviderEntryInput = {
  key: 'freshdesk',
  name: 'Freshdesk',
  description: 'Tickets, contacts and agents of one Freshdesk helpdesk.',
  color: '#25C16F',
  docs: ['https://developers.freshdesk.com/api/#authentication', 'https://developers.freshdesk.com/api/#me'],
  templateParams: [
    {
      name: 'domain',
      label: 'Freshdesk domain',
      description: 'acme for acme.freshdesk.com.',
      pattern: '^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$',
      example: 'acme',
    },
  ],
  apiBaseUrl: 'https://{domain}.freshdesk.com/api/v2',
  setupUrl: 'https://support.freshdesk.com/support/solutions/articles/215517',
  auth: {
    mode: 'basic',
    // HTTP Basic with the API key as the username and any password; X is the documented convention.
    username: { label: 'API key', secret: true },
    password: { fixed: 'X' },
    // GET /agents/me answers for the key's own agent.
    verify: { path: '/agents/me' },
  },
};
