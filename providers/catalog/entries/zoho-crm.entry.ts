import type { ProviderEntryInput } from '../schema.ts';

/** Zoho CRM: one accounts server per data centre; the user's DC decides every endpoint. */
export const zohoCrmEntry: ProviderEntryInput = {
  key: 'zoho-crm',
  name: 'Zoho CRM',
  description: 'Leads, contacts and deals in Zoho CRM (any data centre).',
  color: '#E42527',
  docs: ['https://www.zoho.com/crm/developer/docs/api/v8/oauth-overview.html', 'https://www.zoho.com/accounts/protocol/oauth/multi-dc.html'],
  templateParams: [
    {
      name: 'dc',
      label: 'Data centre domain',
      description: 'com (US), eu, in, com.au, jp, sa or com.cn. Canada (zohocloud.ca) is not covered by this template.',
      values: ['com', 'eu', 'in', 'com.au', 'jp', 'sa', 'com.cn'],
    },
  ],
  apiBaseUrl: 'https://www.zohoapis.{dc}/crm/v8',
  setupUrl: 'https://api-console.zoho.com/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://accounts.zoho.{dc}/oauth/v2/auth',
    tokenUrl: 'https://accounts.zoho.{dc}/oauth/v2/token',
    scopes: { default: ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ'], separator: ',' },
    // A refresh token comes only with access_type=offline; prompt=consent shows the consent screen again.
    authorizationParams: { access_type: 'offline' },
    consentPrompt: { param: 'prompt', value: 'consent' },
    pkce: 'none',
    // The docs show the parameters in the query string; they are sent in the form body (REQ-18; unverified that
    // every DC accepts the body).
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    metadataFields: ['api_domain'],
    account: {},
    // Access tokens last an hour; refresh tokens do not expire and are not replaced (20 per user; the oldest is
    // revoked beyond that).
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'rfc7009', url: 'https://accounts.zoho.{dc}/oauth/v2/token/revoke', token: 'refresh_token' },
  },
};
