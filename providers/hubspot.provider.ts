// Docs: https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide · https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
import type { ProviderDefinition } from './types.ts';

export const hubspotProvider: ProviderDefinition = {
  key: 'hubspot',
  docs: [
    'https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide',
    'https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens',
  ],
  name: 'HubSpot',
  description: 'CRM contacts, companies and deals in a HubSpot account.',
  color: '#FF7A59',
  authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
  // v3 takes every parameter in the body; v1 (query parameters) is deprecated on 2027-02-16. A date-versioned
  // successor (/oauth/2026-03/token) also exists: unverified whether v3 will follow v1.
  tokenUrl: 'https://api.hubapi.com/oauth/v3/token',
  apiBaseUrl: 'https://api.hubapi.com',
  defaultScopes: ['oauth', 'crm.objects.contacts.read'],
  scopeSeparator: ' ',
  // The v3 token endpoint documents code_verifier; S256 support at authorize is unverified.
  pkce: 'S256',
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  // hub_id has been in every token response since 2025-08-18.
  account: { tokenResponsePaths: ['hub_id'] },
  // Access tokens last 30 minutes; a refresh returns the same refresh token.
  refresh: { supported: true, rotatesRefreshToken: false, leadFraction: 0.25, maxLeadSeconds: 900 },
  // v1 deletes by putting the refresh token in the URL path (REQ-18), the newer revoke path is unverified, and
  // deleting it neither uninstalls the app nor kills live access tokens: disconnect only forgets tokens.
  revocation: { style: 'none', token: 'refresh_token' },
  setupUrl: 'https://developers.hubspot.com/',
};
