import type { ProviderEntryInput } from '../schema.ts';

export const quickbooksEntry: ProviderEntryInput = {
  key: 'quickbooks',
  name: 'QuickBooks Online',
  description: 'Accounting data of a QuickBooks Online company.',
  color: '#2CA01C',
  docs: [
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0',
    'https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq',
  ],
  // Company data lives under /v3/company/{realmId}; the realm id (the company) arrives as a query parameter of the
  // authorization response and is kept at connect.
  apiBaseUrl: 'https://quickbooks.api.intuit.com/v3',
  connectMetadata: [{ name: 'realmId', from: 'callback', path: 'realmId' }],
  accountApiBaseUrl: 'https://quickbooks.api.intuit.com/v3/company/{realmId}',
  setupUrl: 'https://developer.intuit.com/app/developer/dashboard',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    scopes: { default: ['com.intuit.quickbooks.accounting'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    tokenRequestHeaders: { Accept: 'application/json' },
    account: {},
    // Access tokens last one hour. The refresh token lasts 100 days from its issue and its value can change on any
    // refresh (always keep the latest); x_refresh_token_expires_in states its remaining life.
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 100 * 86_400 },
    // The revoke endpoint takes JSON {token} with HTTP Basic, as Notion's does.
    revocation: { style: 'notion-json', url: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke', token: 'refresh_token' },
  },
};
