/**
 * Fake profiles for the catalog's data entries (providers/catalog/entries/) and the Google Workspace / Microsoft
 * Graph family members. Each states how the provider's token endpoint behaves per its documentation (the entry's
 * `docs`): client authentication, body format, lifetime, refresh-token rotation, scope format, revocation.
 * Most providers answer errors the RFC 6749 way; `standardProfile` builds those, quirks are spelled out.
 */
import type { FakeResponse, GrantContext, OAuthFakeProfile, RevocationProfile } from './oauth-fake.ts';
import { googleProfile, microsoftProfile, oauthError } from './profiles-a.ts';

type Refresh = 'rotates' | 'keeps' | 'keeps-omits' | 'none';

export interface Spec {
  key: string;
  paths: OAuthFakeProfile['paths'];
  clientAuth: 'basic' | 'body';
  tokenBody?: 'form' | 'json';
  /** Seconds; undefined: the response has no expires_in (tokens that do not expire). */
  expiresIn?: number;
  /** rotates: a new single-use refresh token each time; keeps: the same one is returned; keeps-omits: none is returned. */
  refresh: Refresh;
  /** How the response states the granted scope. */
  scope?: 'string' | 'array' | 'absent';
  extra?: (ctx: GrantContext) => Record<string, unknown>;
  revocation?: Partial<RevocationProfile> & { path: string };
  userinfo?: Record<string, unknown>;
  templateValues?: Record<string, string>;
  error?: OAuthFakeProfile['error'];
  grantScope?: OAuthFakeProfile['grantScope'];
  requiredHeaders?: Record<string, string>;
  callbackParams?: Record<string, string>;
  resources?: Record<string, unknown>;
  metadataPath?: string;
}

const rfc6749Errors: OAuthFakeProfile['error'] = (kind) =>
  kind === 'invalid_client'
    ? oauthError(401, 'invalid_client', 'Client authentication failed')
    : kind === 'bad_request'
      ? oauthError(400, 'invalid_request', 'Invalid request')
      : oauthError(400, 'invalid_grant', kind === 'invalid_code' ? 'Invalid authorization code' : 'Invalid refresh token');

export function standardProfile(spec: Spec): OAuthFakeProfile {
  const { refresh } = spec;
  return {
    key: spec.key,
    paths: spec.paths,
    clientAuth: spec.clientAuth,
    tokenBody: spec.tokenBody ?? 'form',
    ...(spec.requiredHeaders ? { requiredHeaders: spec.requiredHeaders } : {}),
    tokenPrefix: { access: `${spec.key}-at-`, refresh: `${spec.key}-rt-` },
    issuesRefreshToken: refresh !== 'none',
    rotatesRefreshToken: refresh === 'rotates',
    ...(spec.grantScope ? { grantScope: spec.grantScope } : {}),
    ...(spec.templateValues ? { templateValues: spec.templateValues } : {}),
    ...(spec.callbackParams ? { callbackParams: spec.callbackParams } : {}),
    ...(spec.resources ? { resources: spec.resources, metadataPath: spec.metadataPath } : {}),
    tokenResponse: (ctx) => {
      const refreshToken = ctx.refreshToken ?? (refresh === 'keeps' ? ctx.usedRefreshToken : undefined);
      const scope = spec.scope ?? 'string';
      return {
        access_token: ctx.accessToken,
        token_type: 'bearer',
        ...(spec.expiresIn !== undefined ? { expires_in: spec.expiresIn } : {}),
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(scope === 'string' && ctx.scope ? { scope: ctx.scope } : scope === 'array' ? { scope: ctx.scope.split(/[ ,]/).filter(Boolean) } : {}),
        ...spec.extra?.(ctx),
      };
    },
    error: spec.error ?? rfc6749Errors,
    ...(spec.revocation
      ? {
          revocation: {
            style: 'rfc7009',
            clientAuth: spec.clientAuth,
            ok: { status: 200, body: {} },
            unknownToken: { status: 200, body: {} },
            ...spec.revocation,
          } as RevocationProfile,
        }
      : {}),
    ...(spec.userinfo ? { userinfo: spec.userinfo } : {}),
  };
}

const unknown400: FakeResponse = oauthError(400, 'invalid_token', 'Invalid token');

export const SHOP = 'acme-store';
export const ZENDESK_SUBDOMAIN = 'acme';
export const ZOHO_DC = 'eu';
/** The company a QuickBooks authorization names on the callback URL (`realmId`). */
export const QB_REALM = '9130347587062146';
/** The first organisation GET https://api.xero.com/connections lists. */
export const XERO_TENANT = '45e4708e-d862-4111-ab3a-dd8cd03913e1';

export const catalogProfiles: Readonly<Record<string, OAuthFakeProfile>> = {
  'google-drive': googleProfile('google-drive'),
  'google-sheets': googleProfile('google-sheets'),
  'google-docs': googleProfile('google-docs'),
  'microsoft-onedrive': { ...microsoftProfile, key: 'microsoft-onedrive' },
  'microsoft-teams': { ...microsoftProfile, key: 'microsoft-teams' },
  gitlab: standardProfile({
    key: 'gitlab',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token', userinfo: '/api/v4/user' },
    clientAuth: 'body',
    expiresIn: 7200,
    refresh: 'rotates',
    extra: () => ({ created_at: 1_768_478_400 }),
    revocation: { path: '/oauth/revoke' },
    userinfo: { id: 1234567, username: 'jane' },
  }),
  bitbucket: standardProfile({
    key: 'bitbucket',
    paths: { authorize: '/site/oauth2/authorize', token: '/site/oauth2/access_token', userinfo: '/2.0/user' },
    clientAuth: 'basic',
    expiresIn: 7200,
    refresh: 'keeps',
    // Bitbucket names the granted scopes `scopes` (a space-separated string): not RFC 6749's `scope`.
    scope: 'absent',
    extra: (ctx) => ({ scopes: ctx.scope, state: 'authorization_code' }),
    userinfo: { uuid: '{7c4bb2a3-1d3e-4f6a-9b8c-0123456789ab}', username: 'jane' },
  }),
  asana: standardProfile({
    key: 'asana',
    paths: { authorize: '/-/oauth_authorize', token: '/-/oauth_token' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'keeps-omits',
    scope: 'absent',
    extra: () => ({ data: { id: 4673218951, gid: '4673218951', name: 'Greg Sanchez', email: 'gsanchez@example.com' } }),
    revocation: { path: '/-/oauth_revoke' },
  }),
  airtable: standardProfile({
    key: 'airtable',
    paths: { authorize: '/oauth2/v1/authorize', token: '/oauth2/v1/token', userinfo: '/v0/meta/whoami' },
    clientAuth: 'basic',
    expiresIn: 3600,
    refresh: 'rotates',
    extra: () => ({ refresh_expires_in: 5_184_000 }),
    userinfo: { id: 'usrL2PNC5o3H4lBEi', scopes: ['data.records:read'] },
  }),
  pipedrive: standardProfile({
    key: 'pipedrive',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'basic',
    expiresIn: 3599,
    refresh: 'keeps',
    scope: 'absent',
    extra: () => ({ api_domain: 'https://acme.pipedrive.com' }),
    revocation: { path: '/oauth/revoke' },
  }),
  'zoho-crm': standardProfile({
    key: 'zoho-crm',
    paths: { authorize: '/{dc}/oauth/v2/auth', token: '/{dc}/oauth/v2/token' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'keeps-omits',
    scope: 'absent',
    templateValues: { dc: ZOHO_DC },
    extra: () => ({ api_domain: 'https://www.zohoapis.eu' }),
    // Zoho reports token errors as {"error": "invalid_code"} with HTTP 200 (the status is unverified; lib/oauth/client.ts
    // turns a 200 carrying `error` and no access token into a 400 either way).
    error: (kind) => ({
      status: 200,
      body: { error: kind === 'invalid_client' ? 'invalid_client' : kind === 'bad_request' ? 'invalid_request' : 'invalid_code' },
    }),
    revocation: { path: '/{dc}/oauth/v2/token/revoke' },
  }),
  intercom: standardProfile({
    key: 'intercom',
    paths: { authorize: '/oauth', token: '/auth/eagle/token', userinfo: '/me' },
    clientAuth: 'body',
    refresh: 'none',
    scope: 'absent',
    userinfo: { type: 'admin', id: '991267', app: { id_code: 'abc123xy', name: 'Acme' } },
  }),
  zendesk: standardProfile({
    key: 'zendesk',
    paths: { authorize: '/{subdomain}/oauth/authorizations/new', token: '/{subdomain}/oauth/tokens', userinfo: '/{subdomain}/api/v2/users/me' },
    clientAuth: 'body',
    expiresIn: 172_800,
    refresh: 'rotates',
    templateValues: { subdomain: ZENDESK_SUBDOMAIN },
    userinfo: { user: { id: 35436, name: 'Johnny Agent' } },
  }),
  shopify: standardProfile({
    key: 'shopify',
    paths: { authorize: '/{shop}/admin/oauth/authorize', token: '/{shop}/admin/oauth/access_token' },
    clientAuth: 'body',
    expiresIn: 3599,
    refresh: 'rotates',
    templateValues: { shop: SHOP },
    // Granted scopes come back comma-separated, as requested.
    extra: () => ({ refresh_token_expires_in: 7_776_000 }),
  }),
  'stripe-connect': standardProfile({
    key: 'stripe-connect',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'body',
    refresh: 'keeps',
    extra: () => ({ livemode: false, stripe_user_id: 'acct_1032D82eZvKYlo2C', stripe_publishable_key: 'pk_test_fake' }),
  }),
  quickbooks: standardProfile({
    key: 'quickbooks',
    paths: { authorize: '/connect/oauth2', token: '/oauth2/v1/tokens/bearer' },
    clientAuth: 'basic',
    expiresIn: 3600,
    refresh: 'rotates',
    scope: 'absent',
    requiredHeaders: { Accept: 'application/json' },
    callbackParams: { realmId: QB_REALM },
    extra: () => ({ x_refresh_token_expires_in: 8_726_400 }),
    revocation: { path: '/v2/oauth2/tokens/revoke', style: 'notion', unknownToken: unknown400 },
  }),
  xero: standardProfile({
    key: 'xero',
    paths: { authorize: '/identity/connect/authorize', token: '/connect/token' },
    clientAuth: 'basic',
    expiresIn: 1800,
    refresh: 'rotates',
    revocation: { path: '/connect/revocation' },
    metadataPath: '/connections',
    resources: {
      '/connections': [
        { id: 'e1eede29-f875-4a5d-8470-17f6a29a88b1', tenantId: XERO_TENANT, tenantType: 'ORGANISATION', tenantName: 'Demo Company' },
        { id: '32587c85-a9b3-4306-ac30-b416e8f2c841', tenantId: 'c3d5e782-2153-4cda-bdb4-cec791ceb90d', tenantType: 'ORGANISATION' },
      ],
    },
  }),
  box: standardProfile({
    key: 'box',
    paths: { authorize: '/api/oauth2/authorize', token: '/oauth2/token', userinfo: '/2.0/users/me' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'rotates',
    scope: 'absent',
    extra: () => ({ restricted_to: [], issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
    revocation: { path: '/oauth2/revoke', unknownToken: unknown400 },
    userinfo: { type: 'user', id: '11446498', login: 'ceo@example.com' },
  }),
  miro: standardProfile({
    key: 'miro',
    paths: { authorize: '/oauth/authorize', token: '/v1/oauth/token' },
    clientAuth: 'body',
    expiresIn: 3599,
    refresh: 'rotates',
    extra: () => ({ team_id: '3074457345618265000', user_id: '3074457345618265001' }),
  }),
  canva: standardProfile({
    key: 'canva',
    paths: { authorize: '/api/oauth/authorize', token: '/rest/v1/oauth/token', userinfo: '/rest/v1/users/me' },
    clientAuth: 'basic',
    expiresIn: 14_400,
    refresh: 'rotates',
    revocation: { path: '/rest/v1/oauth/revoke' },
    userinfo: { team_user: { user_id: 'auDAbliZ2rQNNOsUl5OLu', team_id: 'Oi2RJILTrKk0KRhRUZozX' } },
  }),
  calendly: standardProfile({
    key: 'calendly',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'body',
    expiresIn: 7200,
    refresh: 'rotates',
    scope: 'absent',
    extra: () => ({
      created_at: 1_768_478_400,
      owner: 'https://api.calendly.com/users/EBHAAFHDCAEQTSEZ',
      organization: 'https://api.calendly.com/organizations/EBHAAFHDCAEQTSEZ',
    }),
    revocation: { path: '/oauth/revoke' },
  }),
  docusign: standardProfile({
    key: 'docusign',
    paths: { authorize: '/oauth/auth', token: '/oauth/token', userinfo: '/oauth/userinfo' },
    clientAuth: 'basic',
    expiresIn: 28_800,
    refresh: 'rotates',
    scope: 'absent',
    userinfo: { sub: '4799e5e9-1559-4915-9862-cf4713bbcacc', name: 'Jane', accounts: [] },
  }),
  mailchimp: {
    ...standardProfile({
      key: 'mailchimp',
      paths: { authorize: '/oauth2/authorize', token: '/oauth2/token', userinfo: '/oauth2/metadata' },
      clientAuth: 'body',
      refresh: 'none',
      scope: 'absent',
      userinfo: { dc: 'us6', user_id: 8675309, accountname: 'Acme', login: { login_id: 13, login_name: 'jane' } },
      // The documented response has expires_in 0 (never expires) and scope null.
      extra: () => ({ expires_in: 0, scope: null }),
    }),
    // The metadata endpoint takes `Authorization: OAuth <token>` (Mailchimp's OAuth guide).
    userinfoScheme: 'OAuth',
  },
  typeform: standardProfile({
    key: 'typeform',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'body',
    expiresIn: 604_800,
    refresh: 'rotates',
  }),
  todoist: standardProfile({
    key: 'todoist',
    paths: { authorize: '/oauth/authorize', token: '/oauth/access_token' },
    clientAuth: 'body',
    refresh: 'none',
    scope: 'absent',
  }),
  webex: standardProfile({
    key: 'webex',
    paths: { authorize: '/v1/authorize', token: '/v1/access_token', userinfo: '/v1/people/me' },
    clientAuth: 'body',
    expiresIn: 1_209_600,
    refresh: 'keeps',
    scope: 'absent',
    extra: () => ({ refresh_token_expires_in: 7_776_000 }),
    userinfo: { id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY', displayName: 'Jane' },
  }),
  discord: standardProfile({
    key: 'discord',
    paths: { authorize: '/oauth2/authorize', token: '/api/oauth2/token', userinfo: '/api/v10/users/@me' },
    clientAuth: 'basic',
    expiresIn: 604_800,
    refresh: 'rotates',
    revocation: { path: '/api/oauth2/token/revoke' },
    userinfo: { id: '80351110224678912', username: 'nelly' },
  }),
  x: standardProfile({
    key: 'x',
    paths: { authorize: '/i/oauth2/authorize', token: '/2/oauth2/token', userinfo: '/2/users/me' },
    clientAuth: 'basic',
    expiresIn: 7200,
    refresh: 'rotates',
    revocation: { path: '/2/oauth2/revoke' },
    userinfo: { data: { id: '2244994945', name: 'X Dev', username: 'XDevelopers' } },
  }),
  linkedin: standardProfile({
    key: 'linkedin',
    paths: { authorize: '/oauth/v2/authorization', token: '/oauth/v2/accessToken', userinfo: '/v2/userinfo' },
    clientAuth: 'body',
    expiresIn: 5_184_000,
    refresh: 'keeps',
    extra: () => ({ refresh_token_expires_in: 31_536_000 }),
    userinfo: { sub: '782bbtaQ', name: 'Jane Doe', email: 'jane@example.com' },
  }),
  reddit: standardProfile({
    key: 'reddit',
    paths: { authorize: '/api/v1/authorize', token: '/api/v1/access_token', userinfo: '/api/v1/me' },
    clientAuth: 'basic',
    expiresIn: 86_400,
    refresh: 'keeps-omits',
    revocation: { path: '/api/v1/revoke_token', style: 'rfc7009', clientAuth: 'basic', ok: { status: 204, body: undefined } },
    userinfo: { id: 'abc12', name: 'jane' },
  }),
  spotify: standardProfile({
    key: 'spotify',
    paths: { authorize: '/authorize', token: '/api/token', userinfo: '/v1/me' },
    clientAuth: 'basic',
    expiresIn: 3600,
    refresh: 'keeps-omits',
    userinfo: { id: 'wizzler', display_name: 'JM Wizzler' },
  }),
  twitch: standardProfile({
    key: 'twitch',
    paths: { authorize: '/oauth2/authorize', token: '/oauth2/token' },
    clientAuth: 'body',
    expiresIn: 14_124,
    refresh: 'keeps',
    // Twitch's quirk: `scope` is a JSON array.
    scope: 'array',
    // Twitch checks client_id and the token; a dead token is 400 {"status":400,"message":"Invalid token"}.
    revocation: {
      path: '/oauth2/revoke',
      clientAuth: 'none',
      ok: { status: 200, body: undefined },
      unknownToken: { status: 400, body: { status: 400, message: 'Invalid token' } },
    },
  }),
};
