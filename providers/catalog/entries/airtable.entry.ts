import type { ProviderEntryInput } from '../schema.ts';

export const airtableEntry: ProviderEntryInput = {
  key: 'airtable',
  name: 'Airtable',
  description: 'Bases, tables and records in Airtable.',
  color: '#18BFFF',
  docs: ['https://airtable.com/developers/web/api/oauth-reference', 'https://support.airtable.com/docs/troubleshooting-oauth-integrations-in-airtable'],
  apiBaseUrl: 'https://api.airtable.com/v0',
  setupUrl: 'https://airtable.com/create/oauth',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://airtable.com/oauth2/v1/authorize',
    tokenUrl: 'https://airtable.com/oauth2/v1/token',
    userinfoUrl: 'https://api.airtable.com/v0/meta/whoami',
    scopes: { default: ['data.records:read', 'schema.bases:read'], separator: ' ' },
    // PKCE S256 is required by Airtable for every integration.
    pkce: 'S256',
    // An integration with a client secret authenticates with HTTP Basic.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last 60 minutes; each refresh token is single-use and lasts 60 days (unverified figures beyond
    // the reference page; refresh_expires_in in the response wins when present).
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 60 * 86_400 },
    // No revocation endpoint is documented (unverified).
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
