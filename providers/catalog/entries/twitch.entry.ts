import type { ProviderEntryInput } from '../schema.ts';

export const twitchEntry: ProviderEntryInput = {
  key: 'twitch',
  name: 'Twitch',
  description: 'A Twitch user’s channel, chat and subscriptions (Helix API).',
  color: '#9146FF',
  docs: [
    'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow',
    'https://dev.twitch.tv/docs/authentication/refresh-tokens/',
    'https://dev.twitch.tv/docs/authentication/revoke-tokens/',
  ],
  apiBaseUrl: 'https://api.twitch.tv/helix',
  setupUrl: 'https://dev.twitch.tv/console/apps',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://id.twitch.tv/oauth2/authorize',
    tokenUrl: 'https://id.twitch.tv/oauth2/token',
    scopes: { default: ['user:read:email'], separator: ' ' },
    authorizationParams: { force_verify: 'true' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // Quirk: `scope` in token responses is a JSON array (lib/oauth/client.ts joins it).
    account: {},
    // Refresh tokens may change on refresh: store the new one when it comes.
    refresh: { supported: true, rotatesRefreshToken: false },
    // POST /oauth2/revoke with client_id and token (form); 400 "Invalid token" for a dead one.
    revocation: { style: 'rfc7009', url: 'https://id.twitch.tv/oauth2/revoke', token: 'access_token', alreadyInvalidStatuses: [400] },
  },
};
