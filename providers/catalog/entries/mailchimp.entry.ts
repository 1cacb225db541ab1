import type { ProviderEntryInput } from '../schema.ts';

export const mailchimpEntry: ProviderEntryInput = {
  key: 'mailchimp',
  name: 'Mailchimp',
  description: 'Audiences and campaigns in Mailchimp Marketing.',
  color: '#FFE01B',
  docs: ['https://mailchimp.com/developer/marketing/guides/access-user-data-oauth-2/'],
  // The API host is per account, read from the metadata endpoint's `dc` at connect: not something the user types, so
  // no template parameter and no fixed API base.
  connectMetadata: [{ name: 'dc', from: 'userinfo', path: 'dc' }],
  accountApiBaseUrl: 'https://{dc}.api.mailchimp.com/3.0',
  setupUrl: 'https://admin.mailchimp.com/account/oauth2/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://login.mailchimp.com/oauth2/authorize',
    tokenUrl: 'https://login.mailchimp.com/oauth2/token',
    // The metadata endpoint names the account (user_id) and its data centre (dc); it is read once at connect (the
    // account id and `dc` come from the same answer). The guide sends it `Authorization: OAuth <token>`.
    userinfoUrl: 'https://login.mailchimp.com/oauth2/metadata',
    userinfoAuthScheme: 'OAuth',
    scopes: { default: [], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'user_id' },
    // Access tokens never expire and there is no refresh token (unverified against the current guide).
    refresh: { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
  },
};
