import type { ProviderEntryInput } from '../schema.ts';

export const todoistEntry: ProviderEntryInput = {
  key: 'todoist',
  name: 'Todoist',
  description: 'Tasks and projects in Todoist.',
  color: '#E44332',
  docs: ['https://developer.todoist.com/guides/#oauth'],
  apiBaseUrl: 'https://api.todoist.com/rest/v2',
  setupUrl: 'https://developer.todoist.com/appconsole.html',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://todoist.com/oauth/authorize',
    tokenUrl: 'https://todoist.com/oauth/access_token',
    // Comma-separated scope list.
    scopes: { default: ['data:read'], separator: ',' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: {},
    // Tokens do not expire and there is no refresh token (unverified against the current guide).
    refresh: { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
  },
};
