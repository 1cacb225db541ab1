import type { ProviderEntryInput } from '../schema.ts';

export const postmarkEntry: ProviderEntryInput = {
  key: 'postmark',
  name: 'Postmark',
  description: 'Transactional email, templates and bounces of one Postmark server.',
  color: '#FFDE00',
  docs: ['https://postmarkapp.com/developer/api/overview#authentication', 'https://postmarkapp.com/developer/api/server-api'],
  apiBaseUrl: 'https://api.postmarkapp.com',
  setupUrl: 'https://account.postmarkapp.com/servers',
  auth: {
    mode: 'api_key',
    label: 'Server API token',
    // Server-level endpoints take the server token in X-Postmark-Server-Token (account endpoints use another header).
    placement: { in: 'header', name: 'X-Postmark-Server-Token' },
    // GET /server returns the server the token belongs to.
    verify: { path: '/server' },
  },
};
