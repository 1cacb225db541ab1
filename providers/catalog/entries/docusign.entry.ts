import type { ProviderEntryInput } from '../schema.ts';

export const docusignEntry: ProviderEntryInput = {
  key: 'docusign',
  name: 'DocuSign',
  description: 'Envelopes and templates in DocuSign eSignature.',
  color: '#FFCC22',
  docs: [
    'https://developers.docusign.com/platform/auth/authcode/authcode-get-token/',
    'https://developers.docusign.com/platform/auth/reference/obtain-access-token/',
  ],
  // The account's base URI comes from userinfo (accounts[].base_uri): no fixed API base.
  setupUrl: 'https://admindemo.docusign.com/apps-and-keys',
  auth: {
    mode: 'oauth2',
    // Production account server; developer accounts use account-d.docusign.com (override the URLs).
    authorizationUrl: 'https://account.docusign.com/oauth/auth',
    tokenUrl: 'https://account.docusign.com/oauth/token',
    userinfoUrl: 'https://account.docusign.com/oauth/userinfo',
    scopes: { default: ['signature', 'extended'], separator: ' ' },
    // PKCE is documented for the public Authorization Code Grant; the confidential one (a secret key) does without.
    pkce: 'none',
    // Authorization: Basic base64(integration key:secret key).
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'sub' },
    // A refresh returns an access token and a new refresh token (documented). Lifetimes of 8 hours and 30 days: unverified.
    refresh: { supported: true, rotatesRefreshToken: true, refreshTokenLifetimeSeconds: 30 * 86_400 },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
