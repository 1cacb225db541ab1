import type { ProviderEntryInput } from '../schema.ts';

/** Shopify: every endpoint is on the merchant's own `{shop}.myshopify.com` host. */
export const shopifyEntry: ProviderEntryInput = {
  key: 'shopify',
  name: 'Shopify',
  description: 'Orders, products and customers of one Shopify store (Admin API).',
  color: '#96BF48',
  docs: [
    'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant',
    'https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens',
    'https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh',
    'https://shopify.dev/docs/api/admin-rest#authentication',
  ],
  templateParams: [
    {
      name: 'shop',
      label: 'Shop',
      description: 'The store subdomain: acme for acme.myshopify.com.',
      pattern: '^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$',
      example: 'acme-store',
    },
  ],
  // The Admin API version is part of the path (2025-10: unverified as the current stable one).
  apiBaseUrl: 'https://{shop}.myshopify.com/admin/api/2025-10',
  // Admin API requests carry the token in X-Shopify-Access-Token (no Bearer scheme).
  apiAuthHeader: { name: 'X-Shopify-Access-Token', prefix: '' },
  setupUrl: 'https://dev.shopify.com/dashboard',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://{shop}.myshopify.com/admin/oauth/authorize',
    tokenUrl: 'https://{shop}.myshopify.com/admin/oauth/access_token',
    scopes: { default: ['read_products', 'read_orders'], separator: ',' },
    pkce: 'none',
    // client_id and client_secret are parameters of the access_token request.
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    // Asks for an expiring offline token (60 minutes, with a refresh token); parameter name unverified.
    tokenParams: { expiring: '1' },
    // The shop is the account; the token response does not name it (the store's id needs the Admin API).
    account: {},
    // Expiring offline tokens last one hour and Shopify replaces the refresh token on every use.
    refresh: { supported: true, rotatesRefreshToken: true },
    // No token revocation endpoint: uninstalling the app revokes (unverified).
    revocation: { style: 'none', token: 'access_token' },
  },
};
