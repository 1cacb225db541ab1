import type { ProviderEntryInput } from '../schema.ts';

export const paypalEntry: ProviderEntryInput = {
  key: 'paypal',
  name: 'PayPal',
  description: 'PayPal REST APIs (orders, payments, invoicing) as your own app, with client credentials.',
  color: '#003087',
  docs: ['https://developer.paypal.com/api/rest/authentication/', 'https://developer.paypal.com/reference/get-an-access-token'],
  apiBaseUrl: 'https://api-m.paypal.com',
  setupUrl: 'https://developer.paypal.com/dashboard/applications',
  auth: {
    mode: 'oauth2_client_credentials',
    // POST /v1/oauth2/token, grant_type=client_credentials, client id and secret as HTTP Basic, form body.
    tokenUrl: 'https://api-m.paypal.com/v1/oauth2/token',
    scopes: { default: [], separator: ' ' },
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    // The response states the lifetime in expires_in (seconds).
    refresh: {},
  },
};
