import type { ProviderEntryInput } from '../schema.ts';

export const webflowEntry: ProviderEntryInput = {
  key: 'webflow',
  name: 'Webflow',
  description: 'Sites, CMS collections and items in Webflow (Data API v2).',
  color: '#146EF5',
  docs: ['https://developers.webflow.com/data/reference/oauth-app', 'https://developers.webflow.com/data/reference/token/authorized-by'],
  apiBaseUrl: 'https://api.webflow.com/v2',
  setupUrl: 'https://developers.webflow.com/data/docs/register-an-app',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://webflow.com/oauth/authorize',
    tokenUrl: 'https://api.webflow.com/oauth/access_token',
    userinfoUrl: 'https://api.webflow.com/v2/token/authorized_by',
    scopes: { default: ['sites:read', 'cms:read'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens do not expire and there is no refresh token.
    refresh: { supported: false, rotatesRefreshToken: false },
    // Revocation endpoint unverified: not wired.
    revocation: { style: 'none', token: 'access_token' },
  },
};
