import type { ProviderEntryInput } from '../schema.ts';

export const xeroEntry: ProviderEntryInput = {
  key: 'xero',
  name: 'Xero',
  description: 'Invoices, contacts and accounts of Xero organisations.',
  color: '#13B5EA',
  docs: [
    'https://developer.xero.com/documentation/guides/oauth2/auth-flow',
    'https://developer.xero.com/documentation/guides/oauth2/token-types',
    'https://developer.xero.com/documentation/guides/oauth2/tenants',
  ],
  apiBaseUrl: 'https://api.xero.com/api.xro/2.0',
  // Every accounting call names its organisation in the xero-tenant-id header; GET /connections lists the tenants
  // the user authorised. The first is kept at connect and sent unless the caller sends its own header.
  connectMetadata: [{ name: 'tenantId', from: 'request', url: 'https://api.xero.com/connections', path: '0.tenantId', header: 'xero-tenant-id' }],
  setupUrl: 'https://developer.xero.com/app/manage',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    // offline_access yields a refresh token; accounting scopes per the app (granular scopes: unverified names).
    scopes: { default: ['offline_access', 'accounting.transactions', 'accounting.contacts'], separator: ' ' },
    // PKCE is offered for the code flow (unverified for confidential web apps).
    pkce: 'S256',
    // Authorization: Basic on the token endpoint (unverified).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    // The organisations (tenant ids) come from GET https://api.xero.com/connections (connectMetadata above).
    account: {},
    // Access tokens last 30 minutes; refresh tokens rotate on use and expire after 60 days unused (from third-party
    // write-ups, unverified against Xero's page).
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 60 * 86_400 },
    revocation: { style: 'rfc7009', url: 'https://identity.xero.com/connect/revocation', token: 'refresh_token' },
  },
};
