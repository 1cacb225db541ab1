import type { ProviderEntryInput } from '../schema.ts';

export const discordEntry: ProviderEntryInput = {
  key: 'discord',
  name: 'Discord',
  description: 'A Discord user’s identity, guilds and connections.',
  color: '#5865F2',
  docs: ['https://discord.com/developers/docs/topics/oauth2'],
  apiBaseUrl: 'https://discord.com/api/v10',
  setupUrl: 'https://discord.com/developers/applications',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://discord.com/oauth2/authorize',
    tokenUrl: 'https://discord.com/api/oauth2/token',
    userinfoUrl: 'https://discord.com/api/v10/users/@me',
    scopes: { default: ['identify', 'guilds'], separator: ' ' },
    // PKCE support: unverified.
    pkce: 'none',
    // HTTP Basic on the token request (unverified; the body form is also seen in examples).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last 7 days (expires_in 604800 in the documented example). A refresh returns a new refresh
    // token (unverified as single-use), stored either way.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://discord.com/api/oauth2/token/revoke', token: 'refresh_token' },
  },
};
