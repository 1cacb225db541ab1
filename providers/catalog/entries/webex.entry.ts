import type { ProviderEntryInput } from '../schema.ts';

export const webexEntry: ProviderEntryInput = {
  key: 'webex',
  name: 'Webex',
  description: 'Messages, rooms and meetings in Webex.',
  color: '#07C1E4',
  docs: ['https://developer.webex.com/docs/integrations'],
  apiBaseUrl: 'https://webexapis.com/v1',
  setupUrl: 'https://developer.webex.com/my-apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://webexapis.com/v1/authorize',
    tokenUrl: 'https://webexapis.com/v1/access_token',
    userinfoUrl: 'https://webexapis.com/v1/people/me',
    scopes: { default: ['spark:people_read', 'spark:rooms_read'], separator: ' ' },
    // PKCE support: unverified.
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Lifetimes (14 days access, 90 days refresh, with refresh_token_expires_in returned) and whether the refresh
    // token is kept across refreshes: unverified.
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
