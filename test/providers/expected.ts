/**
 * What each built-in provider's fake-backed run must yield (test/providers/all-providers.test.ts): written from the
 * provider's documentation, independently of its fake profile.
 */
import { MS_OID } from '../fakes/profiles-a.ts';
import { QB_REALM, XERO_TENANT } from '../fakes/profiles-c.ts';
import { ATLASSIAN_CLOUD_ID } from '../fakes/profiles-d.ts';

export interface Expected {
  granted: string[];
  /** Seconds from NOW to the stored expiry; undefined for tokens that never expire. */
  lifetime: number | undefined;
  /** What a refresh does to the stored refresh token; `none` when the provider issues none. */
  refresh: 'rotates' | 'keeps' | 'none';
  accountId: string | null;
  tokenType: string;
  metadata?: Record<string, string>;
  /** [error code, HTTP status] as openid-client reports them. */
  badCode: [string, number];
  badRefresh?: [string, number];
  badClient: [string, number];
  /** `revoked` for an already-invalid token; `none`: the provider has no revocation endpoint. */
  revokeUnknown: boolean | 'none';
}

const GOOGLE_GRANTED = ['openid', 'https://www.googleapis.com/auth/userinfo.email'];
export const google = (account: string, api: string): Expected => ({
  granted: [...GOOGLE_GRANTED, api],
  lifetime: 3599,
  refresh: 'keeps',
  accountId: account,
  tokenType: 'bearer',
  badCode: ['invalid_grant', 400],
  badRefresh: ['invalid_grant', 400],
  badClient: ['invalid_client', 401],
  revokeUnknown: false,
});

const graph = (scopes: string[]): Expected => ({
  granted: ['openid', 'email', ...scopes],
  lifetime: 3599,
  refresh: 'rotates',
  accountId: MS_OID,
  tokenType: 'bearer',
  badCode: ['invalid_grant', 400],
  badRefresh: ['invalid_grant', 400],
  badClient: ['invalid_client', 401],
  revokeUnknown: 'none',
});

/** An RFC 6749-shaped provider: invalid_grant 400 for codes and refresh tokens, invalid_client 401. */
const rfc = (e: Omit<Expected, 'tokenType' | 'badCode' | 'badRefresh' | 'badClient'> & Partial<Expected>): Expected => ({
  tokenType: 'bearer',
  badCode: ['invalid_grant', 400],
  badClient: ['invalid_client', 401],
  ...(e.refresh === 'none' ? {} : { badRefresh: ['invalid_grant', 400] as [string, number] }),
  ...e,
});

export const CATALOG_EXPECTED: Record<string, Expected> = {
  'google-drive': google('110169484474386276334', 'https://www.googleapis.com/auth/drive.readonly'),
  'google-sheets': google('110169484474386276334', 'https://www.googleapis.com/auth/spreadsheets.readonly'),
  'google-docs': google('110169484474386276334', 'https://www.googleapis.com/auth/documents.readonly'),
  'microsoft-onedrive': graph(['Files.Read']),
  'microsoft-teams': graph(['Team.ReadBasic.All', 'Channel.ReadBasic.All']),
  gitlab: rfc({ granted: ['read_user', 'read_api'], lifetime: 7200, refresh: 'rotates', accountId: '1234567', revokeUnknown: true }),
  bitbucket: rfc({
    granted: ['account', 'repository'],
    lifetime: 7200,
    refresh: 'keeps',
    accountId: '{7c4bb2a3-1d3e-4f6a-9b8c-0123456789ab}',
    revokeUnknown: 'none',
  }),
  asana: rfc({ granted: ['default'], lifetime: 3600, refresh: 'keeps', accountId: '4673218951', revokeUnknown: true }),
  airtable: rfc({
    granted: ['data.records:read', 'schema.bases:read'],
    lifetime: 3600,
    refresh: 'rotates',
    accountId: 'usrL2PNC5o3H4lBEi',
    revokeUnknown: 'none',
  }),
  pipedrive: rfc({
    granted: [],
    lifetime: 3599,
    refresh: 'keeps',
    accountId: null,
    metadata: { api_domain: 'https://acme.pipedrive.com' },
    revokeUnknown: true,
  }),
  'zoho-crm': rfc({
    granted: ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ'],
    lifetime: 3600,
    refresh: 'keeps',
    accountId: null,
    metadata: { api_domain: 'https://www.zohoapis.eu' },
    badCode: ['invalid_code', 400],
    badRefresh: ['invalid_code', 400],
    badClient: ['invalid_client', 400],
    revokeUnknown: true,
  }),
  intercom: rfc({ granted: [], lifetime: undefined, refresh: 'none', accountId: 'abc123xy', revokeUnknown: 'none' }),
  zendesk: rfc({ granted: ['read'], lifetime: 172_800, refresh: 'rotates', accountId: '35436', revokeUnknown: 'none' }),
  shopify: rfc({ granted: ['read_products', 'read_orders'], lifetime: 3599, refresh: 'rotates', accountId: null, revokeUnknown: 'none' }),
  'stripe-connect': rfc({ granted: ['read_write'], lifetime: undefined, refresh: 'keeps', accountId: 'acct_1032D82eZvKYlo2C', revokeUnknown: 'none' }),
  quickbooks: rfc({
    granted: ['com.intuit.quickbooks.accounting'],
    lifetime: 3600,
    refresh: 'rotates',
    accountId: null,
    metadata: { realmId: QB_REALM },
    revokeUnknown: false,
  }),
  xero: rfc({
    granted: ['offline_access', 'accounting.transactions', 'accounting.contacts'],
    lifetime: 1800,
    refresh: 'rotates',
    accountId: null,
    metadata: { tenantId: XERO_TENANT },
    revokeUnknown: true,
  }),
  box: rfc({ granted: [], lifetime: 3600, refresh: 'rotates', accountId: '11446498', revokeUnknown: false }),
  miro: rfc({ granted: ['boards:read'], lifetime: 3599, refresh: 'rotates', accountId: '3074457345618265000', revokeUnknown: 'none' }),
  canva: rfc({ granted: ['design:meta:read', 'profile:read'], lifetime: 14_400, refresh: 'rotates', accountId: 'auDAbliZ2rQNNOsUl5OLu', revokeUnknown: true }),
  calendly: rfc({ granted: [], lifetime: 7200, refresh: 'rotates', accountId: 'https://api.calendly.com/users/EBHAAFHDCAEQTSEZ', revokeUnknown: true }),
  docusign: rfc({
    granted: ['signature', 'extended'],
    lifetime: 28_800,
    refresh: 'rotates',
    accountId: '4799e5e9-1559-4915-9862-cf4713bbcacc',
    revokeUnknown: 'none',
  }),
  mailchimp: rfc({ granted: [], lifetime: undefined, refresh: 'none', accountId: '8675309', metadata: { dc: 'us6' }, revokeUnknown: 'none' }),
  typeform: rfc({
    granted: ['forms:read', 'responses:read', 'accounts:read', 'offline'],
    lifetime: 604_800,
    refresh: 'rotates',
    accountId: null,
    revokeUnknown: 'none',
  }),
  todoist: rfc({ granted: ['data:read'], lifetime: undefined, refresh: 'none', accountId: null, revokeUnknown: 'none' }),
  webex: rfc({
    granted: ['spark:people_read', 'spark:rooms_read'],
    lifetime: 1_209_600,
    refresh: 'keeps',
    accountId: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY',
    revokeUnknown: 'none',
  }),
  discord: rfc({ granted: ['identify', 'guilds'], lifetime: 604_800, refresh: 'rotates', accountId: '80351110224678912', revokeUnknown: true }),
  x: rfc({ granted: ['tweet.read', 'users.read', 'offline.access'], lifetime: 7200, refresh: 'rotates', accountId: '2244994945', revokeUnknown: true }),
  linkedin: rfc({ granted: ['openid', 'profile', 'email'], lifetime: 5_184_000, refresh: 'keeps', accountId: '782bbtaQ', revokeUnknown: 'none' }),
  reddit: rfc({ granted: ['identity', 'read'], lifetime: 86_400, refresh: 'keeps', accountId: 'abc12', revokeUnknown: true }),
  spotify: rfc({ granted: ['user-read-email', 'playlist-read-private'], lifetime: 3600, refresh: 'keeps', accountId: 'wizzler', revokeUnknown: 'none' }),
  twitch: rfc({ granted: ['user:read:email'], lifetime: 14_124, refresh: 'keeps', accountId: null, revokeUnknown: true }),
  // Second batch (issue #15 item 2: growth); fakes in test/fakes/profiles-d.ts.
  'microsoft-outlook': graph(['Mail.Read']),
  ...Object.fromEntries(
    (
      [
        ['jira', ['read:jira-work', 'read:jira-user', 'offline_access']],
        ['confluence', ['read:confluence-content.summary', 'read:confluence-space.summary', 'offline_access']],
      ] as const
    ).map(([key, granted]): [string, Expected] => [
      key,
      {
        granted: [...granted],
        lifetime: 3600,
        refresh: 'rotates',
        accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077',
        tokenType: 'bearer',
        metadata: { cloudId: ATLASSIAN_CLOUD_ID },
        badCode: ['invalid_grant', 403],
        badRefresh: ['invalid_grant', 403],
        badClient: ['invalid_client', 401],
        revokeUnknown: 'none',
      },
    ]),
  ),
  clickup: rfc({ granted: [], lifetime: undefined, refresh: 'none', accountId: '183', revokeUnknown: 'none' }),
  monday: rfc({ granted: ['me:read', 'boards:read'], lifetime: 3600, refresh: 'rotates', accountId: null, revokeUnknown: 'none' }),
  strava: rfc({ granted: ['read', 'activity:read'], lifetime: 21_600, refresh: 'rotates', accountId: '134815', revokeUnknown: 'none' }),
  fitbit: rfc({ granted: ['profile', 'activity'], lifetime: 28_800, refresh: 'rotates', accountId: '8ABCDE', revokeUnknown: true }),
  eventbrite: rfc({ granted: [], lifetime: undefined, refresh: 'none', accountId: '1234567890', revokeUnknown: 'none' }),
  'constant-contact': rfc({
    granted: ['account_read', 'contact_data', 'offline_access'],
    lifetime: 86_400,
    refresh: 'rotates',
    accountId: null,
    revokeUnknown: true,
  }),
  keap: rfc({ granted: ['full'], lifetime: 86_400, refresh: 'rotates', accountId: null, revokeUnknown: 'none' }),
  freshbooks: rfc({ granted: ['user:profile:read'], lifetime: 43_200, refresh: 'rotates', accountId: '2192788', revokeUnknown: true }),
  wrike: rfc({ granted: ['Default'], lifetime: 3600, refresh: 'rotates', accountId: null, metadata: { host: 'app-eu.wrike.com' }, revokeUnknown: 'none' }),
  // Harvest-Account-Id for the proxy: the first account of the accounts endpoint, read with the user id.
  harvest: rfc({
    granted: ['harvest:all'],
    lifetime: 1_209_600,
    refresh: 'keeps',
    accountId: '1655',
    metadata: { accountId: '123456' },
    revokeUnknown: 'none',
  }),
  salesloft: rfc({ granted: [], lifetime: 7200, refresh: 'rotates', accountId: '1', revokeUnknown: 'none' }),
  outreach: rfc({ granted: ['users.read', 'prospects.read'], lifetime: 7200, refresh: 'rotates', accountId: null, revokeUnknown: 'none' }),
  productboard: rfc({ granted: ['product_hierarchy_data:read'], lifetime: 86_400, refresh: 'rotates', accountId: null, revokeUnknown: 'none' }),
  'zoho-desk': rfc({
    granted: ['Desk.tickets.READ', 'Desk.basic.READ'],
    lifetime: 3600,
    refresh: 'keeps',
    accountId: null,
    metadata: { api_domain: 'https://www.zohoapis.eu' },
    badCode: ['invalid_code', 400],
    badRefresh: ['invalid_code', 400],
    badClient: ['invalid_client', 400],
    revokeUnknown: true,
  }),
  front: rfc({ granted: [], lifetime: 3600, refresh: 'keeps', accountId: null, revokeUnknown: 'none' }),
  'help-scout': rfc({ granted: [], lifetime: 172_800, refresh: 'rotates', accountId: '4', revokeUnknown: 'none' }),
  attio: rfc({ granted: [], lifetime: undefined, refresh: 'none', accountId: '14beef7a-99f7-4534-a87e-70b564330a4c', revokeUnknown: 'none' }),
  webflow: rfc({ granted: ['sites:read', 'cms:read'], lifetime: undefined, refresh: 'none', accountId: '545bbecb7bdd6769632504a7', revokeUnknown: 'none' }),
};
