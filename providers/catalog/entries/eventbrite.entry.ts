import type { ProviderEntryInput } from '../schema.ts';

export const eventbriteEntry: ProviderEntryInput = {
  key: 'eventbrite',
  name: 'Eventbrite',
  description: 'Events, orders and attendees in Eventbrite.',
  color: '#F05537',
  docs: ['https://www.eventbrite.com/platform/docs/authentication', 'https://www.eventbrite.com/platform/api#/introduction/authentication'],
  apiBaseUrl: 'https://www.eventbriteapi.com/v3',
  setupUrl: 'https://www.eventbrite.com/account-settings/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.eventbrite.com/oauth/authorize',
    tokenUrl: 'https://www.eventbrite.com/oauth/token',
    userinfoUrl: 'https://www.eventbriteapi.com/v3/users/me/',
    // Eventbrite has no OAuth scopes: a token can do what the user can.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Tokens do not expire and there is no refresh token (unverified beyond the authentication guide).
    refresh: { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
  },
};
