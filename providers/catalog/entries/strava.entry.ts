import type { ProviderEntryInput } from '../schema.ts';

export const stravaEntry: ProviderEntryInput = {
  key: 'strava',
  name: 'Strava',
  description: 'Activities and athlete profile in Strava.',
  color: '#FC4C02',
  docs: ['https://developers.strava.com/docs/authentication/'],
  apiBaseUrl: 'https://www.strava.com/api/v3',
  setupUrl: 'https://www.strava.com/settings/api',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://www.strava.com/oauth/authorize',
    tokenUrl: 'https://www.strava.com/oauth/token',
    // Scopes are comma-delimited.
    scopes: { default: ['read', 'activity:read'], separator: ',' },
    // approval_prompt=force shows the authorization page even to a user who already authorized the app.
    consentPrompt: { param: 'approval_prompt', value: 'force' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // The code exchange returns a summary of the athlete.
    account: { tokenResponsePaths: ['athlete.id'] },
    // Access tokens last six hours; a refresh may return a new refresh token, and the most recent one must be kept.
    refresh: { supported: true, rotatesRefreshToken: true },
    // Deauthorization is POST /oauth/deauthorize with the access token; its request shape is not one of the
    // revocation styles (unverified that a Bearer header is accepted), so it is not wired.
    revocation: { style: 'none', token: 'access_token' },
  },
};
