import type { ProviderEntryInput } from '../schema.ts';

export const intercomEntry: ProviderEntryInput = {
  key: 'intercom',
  name: 'Intercom',
  description: 'Conversations, contacts and companies of an Intercom workspace.',
  color: '#1F8DED',
  docs: ['https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth'],
  apiBaseUrl: 'https://api.intercom.io',
  setupUrl: 'https://app.intercom.com/a/apps/_/developer-hub',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://app.intercom.com/oauth',
    tokenUrl: 'https://api.intercom.io/auth/eagle/token',
    userinfoUrl: 'https://api.intercom.io/me',
    // Permissions are set on the app, not requested per connection.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'app.id_code' },
    // Access tokens do not expire and no refresh token is issued (unverified against the current reference).
    refresh: { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
  },
};
