import type { ProviderEntryInput } from '../schema.ts';

/** Stripe with an account's own secret (or restricted) key; `stripe-connect` is the OAuth flow for platforms. */
export const stripeEntry: ProviderEntryInput = {
  key: 'stripe',
  name: 'Stripe',
  description: 'Payments, customers and subscriptions of one Stripe account (secret or restricted key).',
  color: '#635BFF',
  docs: ['https://docs.stripe.com/api/authentication', 'https://docs.stripe.com/keys', 'https://docs.stripe.com/api/balance/balance_retrieve'],
  apiBaseUrl: 'https://api.stripe.com/v1',
  setupUrl: 'https://dashboard.stripe.com/apikeys',
  auth: {
    mode: 'api_key',
    label: 'Secret key (sk_…) or restricted key (rk_…)',
    // Bearer auth is documented beside Basic (key as username); Bearer is used.
    placement: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    // A restricted key without balance read permission is refused here (unverified which permission a key needs).
    verify: { path: '/balance' },
  },
};
