import type { ProviderEntryInput } from '../schema.ts';

/** Zendesk with an API token (`zendesk` is the OAuth integration). */
export const zendeskApiTokenEntry: ProviderEntryInput = {
  key: 'zendesk-api-token',
  name: 'Zendesk (API token)',
  description: 'Tickets and users of one Zendesk account with an agent’s API token.',
  color: '#03363D',
  docs: ['https://developer.zendesk.com/api-reference/introduction/security-and-auth/', 'https://support.zendesk.com/hc/en-us/articles/4408889192858'],
  templateParams: [
    {
      name: 'subdomain',
      label: 'Zendesk subdomain',
      description: 'acme for acme.zendesk.com.',
      pattern: '^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$',
      example: 'acme',
    },
  ],
  apiBaseUrl: 'https://{subdomain}.zendesk.com/api/v2',
  setupUrl: 'https://support.zendesk.com/hc/en-us/articles/4408889192858',
  auth: {
    mode: 'basic',
    // HTTP Basic with `{email_address}/token` as the username and the API token as the password.
    username: { label: 'Agent email address followed by /token (jane@example.com/token)', secret: false },
    password: { label: 'API token', secret: true },
    // GET /users/me answers an anonymous user instead of 401 for bad credentials (unverified), so it cannot serve
    // as the check; GET /tickets/count needs an authenticated agent.
    verify: { path: '/tickets/count' },
  },
};
