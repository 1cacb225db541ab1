import type { ProviderEntryInput } from '../schema.ts';

/** Zendesk: each account is `{subdomain}.zendesk.com`. */
export const zendeskEntry: ProviderEntryInput = {
  key: 'zendesk',
  name: 'Zendesk',
  description: 'Tickets, users and help-center content of one Zendesk account.',
  color: '#03363D',
  docs: [
    'https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/',
    'https://developer.zendesk.com/documentation/api-basics/authentication/refresh-token',
    'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  ],
  templateParams: [
    {
      name: 'subdomain',
      label: 'Zendesk subdomain',
      description: 'acme for acme.zendesk.com.',
      pattern: '^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$',
      example: 'acme',
    },
  ],
  apiBaseUrl: 'https://{subdomain}.zendesk.com/api/v2',
  setupUrl: 'https://support.zendesk.com/hc/en-us/articles/4408845965210',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://{subdomain}.zendesk.com/oauth/authorizations/new',
    tokenUrl: 'https://{subdomain}.zendesk.com/oauth/tokens',
    userinfoUrl: 'https://{subdomain}.zendesk.com/api/v2/users/me',
    scopes: { default: ['read'], separator: ' ' },
    // PKCE (code_challenge / code_verifier) is documented for the authorization code grant.
    pkce: 'S256',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'user.id' },
    // Refresh tokens are documented; lifetimes are set per OAuth client (expires_in decides). Rotation on refresh:
    // unverified, a returned refresh token is stored either way.
    refresh: { supported: true, rotatesRefreshToken: true },
    // Revocation is DELETE /api/v2/oauth/tokens/current, not RFC 7009: not wired yet.
    revocation: { style: 'none', token: 'access_token' },
  },
};
