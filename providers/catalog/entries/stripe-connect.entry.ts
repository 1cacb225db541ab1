import type { ProviderEntryInput } from '../schema.ts';

export const stripeConnectEntry: ProviderEntryInput = {
  key: 'stripe-connect',
  name: 'Stripe Connect',
  description: 'A connected Stripe account (Standard accounts via OAuth).',
  color: '#635BFF',
  docs: ['https://docs.stripe.com/connect/oauth-reference', 'https://docs.stripe.com/connect/oauth-standard-accounts'],
  apiBaseUrl: 'https://api.stripe.com/v1',
  setupUrl: 'https://dashboard.stripe.com/settings/connect',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://connect.stripe.com/oauth/authorize',
    tokenUrl: 'https://connect.stripe.com/oauth/token',
    scopes: { default: ['read_write'], separator: ' ' },
    pkce: 'none',
    // The platform's secret key is the client_secret parameter.
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // stripe_user_id is the connected account.
    account: { tokenResponsePaths: ['stripe_user_id'] },
    // Access tokens do not expire; a refresh token is issued but refreshing is optional (kept, not rotated; unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    // Deauthorization needs client_id + stripe_user_id (POST /oauth/deauthorize), not a token: not wired.
    revocation: { style: 'none', token: 'access_token' },
  },
};
