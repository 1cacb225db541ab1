// Docs: https://docs.slack.dev/authentication/installing-with-oauth · https://docs.slack.dev/authentication/using-token-rotation · https://docs.slack.dev/reference/methods/oauth.v2.access
import { slackSync } from './sync/slack.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const slackProvider: ProviderDefinition = {
  key: 'slack',
  docs: [
    'https://docs.slack.dev/authentication/installing-with-oauth',
    'https://docs.slack.dev/authentication/using-token-rotation',
    'https://docs.slack.dev/reference/methods/oauth.v2.access',
  ],
  name: 'Slack',
  description: 'Read channels, post messages and receive Events API callbacks from a Slack workspace.',
  color: '#4A154B',
  authorizationUrl: 'https://slack.com/oauth/v2/authorize',
  tokenUrl: 'https://slack.com/api/oauth.v2.access',
  apiBaseUrl: 'https://slack.com/api',
  defaultScopes: ['channels:read', 'chat:write'],
  scopeSeparator: ',',
  // Nango disables PKCE for Slack (REQ-2); `state` carries the CSRF protection.
  pkce: 'none',
  // Slack asks for HTTP Basic rather than client_secret as a parameter.
  clientAuth: 'client_secret_basic',
  tokenRequestBody: 'form',
  errorsWithHttp200: 'slack-ok-false',
  // The bot token is top-level; the user token sits under `authed_user` with its own expiry and refresh token.
  alternateTokenPath: 'authed_user',
  // An org-wide (Enterprise Grid) install has `team: null` and only `enterprise`.
  account: { tokenResponsePaths: ['team.id', 'enterprise.id'] },
  // Token rotation is an opt-in (and irreversible) app setting. Without it Slack returns neither expires_in
  // nor refresh_token and the token never expires; with it, each refresh token is single-use.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  // auth.revoke revokes the token it is called with, so it takes the access token.
  revocation: { style: 'slack-auth-revoke', url: 'https://slack.com/api/auth.revoke', token: 'access_token' },
  webhook: {
    scheme: 'slack',
    maxBodyBytes: 1024 * 1024,
    // oauth.v2.access names the app (`app_id`): Events API envelopes carry it as `api_app_id`.
    appIdentity: async ({ tokenResponse }) => ({ appId: typeof tokenResponse.app_id === 'string' ? tokenResponse.app_id : undefined }),
  },
  setupUrl: 'https://api.slack.com/apps',
  sync: slackSync,
};
