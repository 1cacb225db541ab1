import type { ProviderEntryInput } from '../schema.ts';

/** Trello with the app's API key and a member's token (Trello's authorization is OAuth 1.0a or this key + token pair). */
export const trelloEntry: ProviderEntryInput = {
  key: 'trello',
  name: 'Trello',
  description: 'Boards, lists and cards in Trello (API key and user token).',
  color: '#0079BF',
  docs: [
    'https://developer.atlassian.com/cloud/trello/guides/rest-api/api-introduction/',
    'https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/',
  ],
  apiBaseUrl: 'https://api.trello.com/1',
  setupUrl: 'https://trello.com/power-ups/admin',
  auth: {
    mode: 'api_key',
    label: 'API key',
    // Both go in the query string as key and token (Trello also accepts them in an OAuth Authorization header; the
    // documented query form is used).
    placement: { in: 'query', name: 'key' },
    fields: [{ name: 'token', label: 'Token', secret: true, placement: { in: 'query', name: 'token' } }],
    // GET /members/me answers for the token's member.
    verify: { path: '/members/me' },
  },
};
