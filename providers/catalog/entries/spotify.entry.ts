import type { ProviderEntryInput } from '../schema.ts';

export const spotifyEntry: ProviderEntryInput = {
  key: 'spotify',
  name: 'Spotify',
  description: 'A Spotify user’s library, playlists and playback.',
  color: '#1DB954',
  docs: [
    'https://developer.spotify.com/documentation/web-api/tutorials/code-flow',
    'https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens',
  ],
  apiBaseUrl: 'https://api.spotify.com/v1',
  setupUrl: 'https://developer.spotify.com/dashboard',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://accounts.spotify.com/authorize',
    tokenUrl: 'https://accounts.spotify.com/api/token',
    userinfoUrl: 'https://api.spotify.com/v1/me',
    scopes: { default: ['user-read-email', 'playlist-read-private'], separator: ' ' },
    // Authorization code with PKCE is a documented flow.
    pkce: 'S256',
    // Authorization: Basic base64(client_id:client_secret) on the token endpoint.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last an hour. A refresh may or may not return a new refresh token: keep the old one otherwise.
    refresh: { supported: true, rotatesRefreshToken: false },
    // No revocation endpoint: the user removes the app in their account settings.
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
