/**
 * Fake profiles for the second batch of catalog entries (issue #15 item 2: growth). As in profiles-c.ts, each
 * states how the provider's token endpoint behaves per the entry's `docs`; where the entry marks a fact unverified,
 * the fake follows the entry's reading of it.
 */
import type { OAuthFakeProfile } from './oauth-fake.ts';
import { microsoftProfile } from './profiles-a.ts';
import { ATLASSIAN_CLOUD_ID, atlassianProfile } from './profiles-b.ts';
import { standardProfile, ZOHO_DC } from './profiles-c.ts';

export { ATLASSIAN_CLOUD_ID };

/** Jira and Confluence run on Atlassian's authorization server (its accessible-resources included). */
const atlassianSite = (key: string): OAuthFakeProfile => ({ ...atlassianProfile, key });

export const growthProfiles: Readonly<Record<string, OAuthFakeProfile>> = {
  'microsoft-outlook': { ...microsoftProfile, key: 'microsoft-outlook' },
  jira: atlassianSite('jira'),
  confluence: atlassianSite('confluence'),
  clickup: standardProfile({
    key: 'clickup',
    paths: { authorize: '/api', token: '/api/v2/oauth/token', userinfo: '/api/v2/user' },
    clientAuth: 'body',
    refresh: 'none',
    scope: 'absent',
    userinfo: { user: { id: 183, username: 'John Doe' } },
  }),
  monday: standardProfile({
    key: 'monday',
    paths: { authorize: '/oauth2/authorize', token: '/oauth_ms/oauth/token' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'rotates',
  }),
  strava: standardProfile({
    key: 'strava',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'body',
    expiresIn: 21_600,
    refresh: 'rotates',
    scope: 'absent',
    extra: () => ({ expires_at: 1_768_500_000, athlete: { id: 134815, username: 'marianne_t' } }),
  }),
  fitbit: standardProfile({
    key: 'fitbit',
    paths: { authorize: '/oauth2/authorize', token: '/oauth2/token' },
    clientAuth: 'basic',
    expiresIn: 28_800,
    refresh: 'rotates',
    extra: () => ({ user_id: '8ABCDE' }),
    revocation: { path: '/oauth2/revoke' },
  }),
  eventbrite: standardProfile({
    key: 'eventbrite',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token', userinfo: '/v3/users/me/' },
    clientAuth: 'body',
    refresh: 'none',
    scope: 'absent',
    userinfo: { id: '1234567890', name: 'Jane Organizer' },
  }),
  'constant-contact': standardProfile({
    key: 'constant-contact',
    paths: { authorize: '/oauth2/default/v1/authorize', token: '/oauth2/default/v1/token' },
    clientAuth: 'basic',
    expiresIn: 86_400,
    refresh: 'rotates',
    revocation: { path: '/oauth2/default/v1/revoke' },
  }),
  keap: {
    ...standardProfile({
      key: 'keap',
      paths: { authorize: '/app/oauth/authorize', token: '/token' },
      clientAuth: 'body',
      expiresIn: 86_400,
      refresh: 'rotates',
      scope: 'absent',
    }),
    // Keap documents the refresh request with an Authorization: Basic header (the code exchange: in the body).
    refreshClientAuth: 'basic',
  },
  freshbooks: standardProfile({
    key: 'freshbooks',
    paths: { authorize: '/oauth/authorize', token: '/auth/oauth/token', userinfo: '/auth/api/v1/users/me' },
    clientAuth: 'body',
    tokenBody: 'json',
    expiresIn: 43_200,
    refresh: 'rotates',
    extra: () => ({ created_at: 1_768_478_400 }),
    revocation: { path: '/auth/oauth/revoke' },
    userinfo: { response: { id: 2192788, first_name: 'Jane' } },
  }),
  wrike: standardProfile({
    key: 'wrike',
    paths: { authorize: '/oauth2/authorize/v4', token: '/oauth2/token' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'rotates',
    scope: 'absent',
    extra: () => ({ host: 'app-eu.wrike.com' }),
  }),
  harvest: standardProfile({
    key: 'harvest',
    paths: { authorize: '/oauth2/authorize', token: '/api/v2/oauth2/token', userinfo: '/api/v2/accounts' },
    clientAuth: 'body',
    expiresIn: 1_209_600,
    refresh: 'keeps',
    scope: 'absent',
    userinfo: { user: { id: 1655, email: 'jane@example.com' }, accounts: [{ id: 123456, name: 'Acme', product: 'harvest' }] },
  }),
  salesloft: standardProfile({
    key: 'salesloft',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token', userinfo: '/v2/me' },
    clientAuth: 'body',
    expiresIn: 7200,
    refresh: 'rotates',
    scope: 'absent',
    userinfo: { data: { id: 1, guid: '2d9ae4ff-0fe7-4a4a-b7ae-b7a2d1fd2f26', name: 'Jane' } },
  }),
  outreach: standardProfile({
    key: 'outreach',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'body',
    expiresIn: 7200,
    refresh: 'rotates',
    extra: () => ({ created_at: 1_768_478_400 }),
  }),
  productboard: standardProfile({
    key: 'productboard',
    paths: { authorize: '/oauth2/authorize', token: '/oauth2/token' },
    clientAuth: 'body',
    expiresIn: 86_400,
    refresh: 'rotates',
  }),
  'zoho-desk': standardProfile({
    key: 'zoho-desk',
    paths: { authorize: '/{dc}/oauth/v2/auth', token: '/{dc}/oauth/v2/token' },
    clientAuth: 'body',
    expiresIn: 3600,
    refresh: 'keeps-omits',
    scope: 'absent',
    templateValues: { dc: ZOHO_DC },
    extra: () => ({ api_domain: 'https://www.zohoapis.eu' }),
    error: (kind) => ({
      status: 200,
      body: { error: kind === 'invalid_client' ? 'invalid_client' : kind === 'bad_request' ? 'invalid_request' : 'invalid_code' },
    }),
    revocation: { path: '/{dc}/oauth/v2/token/revoke' },
  }),
  front: standardProfile({
    key: 'front',
    paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
    clientAuth: 'basic',
    expiresIn: 3600,
    refresh: 'keeps',
    scope: 'absent',
  }),
  'help-scout': standardProfile({
    key: 'help-scout',
    paths: { authorize: '/authentication/authorizeClientApplication', token: '/v2/oauth2/token', userinfo: '/v2/users/me' },
    clientAuth: 'body',
    expiresIn: 172_800,
    refresh: 'rotates',
    scope: 'absent',
    userinfo: { id: 4, firstName: 'Jane', email: 'jane@example.com' },
  }),
  attio: standardProfile({
    key: 'attio',
    paths: { authorize: '/authorize', token: '/oauth/token', userinfo: '/v2/self' },
    clientAuth: 'body',
    refresh: 'none',
    scope: 'absent',
    userinfo: { active: true, workspace_id: '14beef7a-99f7-4534-a87e-70b564330a4c', workspace_slug: 'acme' },
  }),
  webflow: standardProfile({
    key: 'webflow',
    paths: { authorize: '/oauth/authorize', token: '/oauth/access_token', userinfo: '/v2/token/authorized_by' },
    clientAuth: 'body',
    refresh: 'none',
    userinfo: { id: '545bbecb7bdd6769632504a7', email: 'jane@example.com' },
  }),
};
