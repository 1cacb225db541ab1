import type { ProviderEntryInput } from '../schema.ts';

export const miroEntry: ProviderEntryInput = {
  key: 'miro',
  name: 'Miro',
  description: 'Boards and items on Miro.',
  color: '#FFD02F',
  docs: ['https://developers.miro.com/docs/getting-started-with-oauth', 'https://developers.miro.com/reference/get-new-access-token-using-refresh-token'],
  apiBaseUrl: 'https://api.miro.com/v2',
  setupUrl: 'https://miro.com/app/settings/user-profile/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://miro.com/oauth/authorize',
    tokenUrl: 'https://api.miro.com/v1/oauth/token',
    scopes: { default: ['boards:read'], separator: ' ' },
    pkce: 'none',
    // client_id and client_secret as body parameters. (The docs put grant_type and refresh_token in the query
    // string; they are sent in the body here, REQ-18.)
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The token response names the team and user.
    account: { tokenResponsePaths: ['team_id'] },
    // With expiring tokens enabled on the app: access tokens last 1 hour, refresh tokens 60 days; each refresh
    // returns a new refresh token.
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 60 * 86_400 },
    // The v1 revoke endpoint takes the token in the query string, which REQ-18 forbids: not wired.
    revocation: { style: 'none', token: 'access_token' },
  },
};
