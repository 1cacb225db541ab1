import type { ProviderEntryInput } from '../schema.ts';

/** Zoho Desk: the same per-data-centre Zoho accounts server as Zoho CRM. */
export const zohoDeskEntry: ProviderEntryInput = {
  key: 'zoho-desk',
  name: 'Zoho Desk',
  description: 'Tickets, contacts and agents in Zoho Desk (any data centre).',
  color: '#19A84C',
  docs: ['https://desk.zoho.com/DeskAPIDocument#OauthTokens', 'https://www.zoho.com/accounts/protocol/oauth/multi-dc.html'],
  templateParams: [
    {
      name: 'dc',
      label: 'Data centre domain',
      description: 'com (US), eu, in, com.au, jp, sa or com.cn. Canada (zohocloud.ca) is not covered by this template.',
      values: ['com', 'eu', 'in', 'com.au', 'jp', 'sa', 'com.cn'],
    },
  ],
  // Most calls also need the orgId header (the Desk organization), which the caller sends through the proxy.
  apiBaseUrl: 'https://desk.zoho.{dc}/api/v1',
  setupUrl: 'https://api-console.zoho.com/',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://accounts.zoho.{dc}/oauth/v2/auth',
    tokenUrl: 'https://accounts.zoho.{dc}/oauth/v2/token',
    scopes: { default: ['Desk.tickets.READ', 'Desk.basic.READ'], separator: ',' },
    authorizationParams: { access_type: 'offline' },
    consentPrompt: { param: 'prompt', value: 'consent' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    metadataFields: ['api_domain'],
    account: {},
    // As Zoho CRM: one-hour access tokens, a refresh token that is not replaced.
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'rfc7009', url: 'https://accounts.zoho.{dc}/oauth/v2/token/revoke', token: 'refresh_token' },
  },
};
