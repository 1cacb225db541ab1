import type { ProviderEntryInput } from '../schema.ts';

export const wrikeEntry: ProviderEntryInput = {
  key: 'wrike',
  name: 'Wrike',
  description: 'Tasks, folders and projects in Wrike.',
  color: '#08CF65',
  docs: ['https://developers.wrike.com/oauth-20-authorization/'],
  // The account's API host comes back as `host` in the token response (kept as metadata, but not used): the proxy
  // always calls www.wrike.com, the default data centre, until that host can be used safely as a base (a whole host
  // checked against Wrike's data-centre list); an account in another data centre calls its host itself.
  apiBaseUrl: 'https://www.wrike.com/api/v4',
  setupUrl: 'https://www.wrike.com/frontend/apps/index.html#/api',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://login.wrike.com/oauth2/authorize/v4',
    tokenUrl: 'https://login.wrike.com/oauth2/token',
    // Scopes are comma-separated; Default grants the user's own access.
    scopes: { default: ['Default'], separator: ',' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    metadataFields: ['host'],
    account: {},
    // Access tokens last an hour; a refresh returns a new refresh token (unverified that the old one stops working).
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
