import type { ProviderEntryInput } from '../schema.ts';

export const constantContactEntry: ProviderEntryInput = {
  key: 'constant-contact',
  name: 'Constant Contact',
  description: 'Contacts, lists and email campaigns in Constant Contact (V3 API).',
  color: '#1856ED',
  docs: [
    'https://developer.constantcontact.com/api_guide/server_flow.html',
    'https://developer.constantcontact.com/api_guide/auth_overview.html',
    'https://developer.constantcontact.com/api_guide/scopes.html',
  ],
  apiBaseUrl: 'https://api.cc.email/v3',
  setupUrl: 'https://app.constantcontact.com/pages/dma/portal/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://authz.constantcontact.com/oauth2/default/v1/authorize',
    tokenUrl: 'https://authz.constantcontact.com/oauth2/default/v1/token',
    // offline_access is needed for a refresh token.
    scopes: { default: ['account_read', 'contact_data', 'offline_access'], separator: ' ' },
    pkce: 'none',
    // The server flow authenticates with an Authorization: Basic header.
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: {},
    // Access tokens expire (expires_in decides; 24 hours is unverified). Rotating refresh tokens are the default
    // application setting (unverified); a returned refresh token is stored either way.
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'rfc7009', url: 'https://authz.constantcontact.com/oauth2/default/v1/revoke', token: 'refresh_token' },
  },
};
