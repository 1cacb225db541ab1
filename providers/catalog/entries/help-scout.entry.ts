import type { ProviderEntryInput } from '../schema.ts';

export const helpScoutEntry: ProviderEntryInput = {
  key: 'help-scout',
  name: 'Help Scout',
  description: 'Conversations, customers and mailboxes in Help Scout (Mailbox API 2.0).',
  color: '#1292EE',
  docs: ['https://developer.helpscout.com/mailbox-api/overview/authentication'],
  apiBaseUrl: 'https://api.helpscout.net/v2',
  setupUrl: 'https://secure.helpscout.net/authentication/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://secure.helpscout.net/authentication/authorizeClientApplication',
    tokenUrl: 'https://api.helpscout.net/v2/oauth2/token',
    userinfoUrl: 'https://api.helpscout.net/v2/users/me',
    // Help Scout has no scopes: access follows the authorizing user.
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    // POST data may be JSON, form or query; form body with the client credentials here.
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last two days (expires_in 172800); a refresh returns a new refresh token (unverified that the
    // old one dies at once).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
