/**
 * Fake profiles for Atlassian, HubSpot, Salesforce, Dropbox, Linear and Zoom (docs/security.md part B;
 * shapes marked ◐/❓ there are the providers' examples as quoted, and the provider files' own assumptions).
 */
import type { OAuthFakeProfile } from './oauth-fake.ts';
import { oauthError } from './profiles-a.ts';

/** The Atlassian site GET /oauth/token/accessible-resources lists first (Jira, Confluence, Atlassian). */
export const ATLASSIAN_CLOUD_ID = '1324a887-45db-1bf4-1e99-ef0ff456d421';

/** Atlassian 3LO: client credentials in a JSON body; a dead refresh token is a 403. */
export const atlassianProfile: OAuthFakeProfile = {
  key: 'atlassian',
  paths: { authorize: '/authorize', token: '/oauth/token', userinfo: '/me' },
  clientAuth: 'body',
  tokenBody: 'json',
  tokenPrefix: { access: 'eyJraWQiOiJhdGxhc3NpYW4', refresh: 'eyJraWQiOiJydCI' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  reuseLeewayMs: 10 * 60 * 1000,
  tokenResponse: (ctx) => ({ access_token: ctx.accessToken, expires_in: 3600, token_type: 'Bearer', refresh_token: ctx.refreshToken, scope: ctx.scope }),
  error: (kind) =>
    kind === 'invalid_refresh_token'
      ? oauthError(403, 'invalid_grant', 'Unknown or invalid refresh token.')
      : kind === 'invalid_code'
        ? oauthError(403, 'invalid_grant', 'Invalid authorization code')
        : kind === 'invalid_client'
          ? oauthError(401, 'invalid_client', 'Unauthorized')
          : oauthError(400, 'invalid_request', 'Bad request'),
  userinfo: { account_id: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', email: 'jane@example.com', name: 'Jane Doe' },
  // The sites the token may reach (connect-time metadata: the first site's id is the cloudId).
  metadataPath: '/oauth/token/accessible-resources',
  resources: {
    '/oauth/token/accessible-resources': [
      { id: ATLASSIAN_CLOUD_ID, name: 'acme', url: 'https://acme.atlassian.net', scopes: ['read:jira-work'], avatarUrl: 'https://example.com/a.png' },
    ],
  },
};

/** HubSpot v3: parameters in the form body; hub_id and a `scopes` array in every response; errors are not RFC 6749 shaped. */
export const hubspotProfile: OAuthFakeProfile = {
  key: 'hubspot',
  paths: { authorize: '/oauth/authorize', token: '/oauth/v3/token' },
  clientAuth: 'body',
  tokenBody: 'form',
  tokenPrefix: { access: 'CN', refresh: 'na1-' },
  issuesRefreshToken: true,
  rotatesRefreshToken: false,
  // The changelog example grants an optional scope on top of those requested.
  grantScope: (requested) => `${requested} crm.objects.contacts.write`,
  tokenResponse: (ctx) => ({
    token_type: 'bearer',
    // A refresh returns the same refresh token (◐).
    refresh_token: ctx.refreshToken ?? ctx.usedRefreshToken,
    hub_id: 62515,
    scopes: ctx.scope.split(' '),
    access_token: ctx.accessToken,
    expires_in: 1800,
  }),
  error: (kind) => ({
    status: 400,
    body: {
      status: { invalid_code: 'BAD_AUTH_CODE', invalid_refresh_token: 'BAD_REFRESH_TOKEN', invalid_client: 'BAD_CLIENT_ID', bad_request: 'BAD_GRANT_TYPE' }[
        kind
      ],
      message: kind === 'invalid_refresh_token' ? 'missing or unknown refresh token' : 'invalid request',
      correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
      category: 'VALIDATION_ERROR',
    },
  }),
};

export const SF_INSTANCE = 'https://yourInstance.my.salesforce.com';
export const SF_ID = 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS';

/** Salesforce web-server flow: no expires_in; instance_url, id, issued_at and signature; revoke answers 400 for a dead token. */
export const salesforceProfile: OAuthFakeProfile = {
  key: 'salesforce',
  paths: { authorize: '/services/oauth2/authorize', token: '/services/oauth2/token', userinfo: '/services/oauth2/userinfo' },
  clientAuth: 'body',
  tokenBody: 'form',
  tokenPrefix: { access: '00Dxx0000001gPL!AR8AQ', refresh: '5Aep861' },
  issuesRefreshToken: true,
  rotatesRefreshToken: false,
  tokenResponse: (ctx) => ({
    access_token: ctx.accessToken,
    ...(ctx.refreshToken ? { refresh_token: ctx.refreshToken } : {}),
    signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
    scope: ctx.scope,
    instance_url: SF_INSTANCE,
    id: SF_ID,
    token_type: 'Bearer',
    issued_at: '1278448832702',
  }),
  error: (kind) =>
    kind === 'invalid_client'
      ? oauthError(400, 'invalid_client', 'invalid client credentials')
      : kind === 'bad_request'
        ? oauthError(400, 'unsupported_grant_type', 'grant type not supported')
        : oauthError(400, 'invalid_grant', kind === 'invalid_code' ? 'authentication failure' : 'expired access/refresh token'),
  revocation: {
    path: '/services/oauth2/revoke',
    style: 'rfc7009',
    clientAuth: 'none',
    ok: { status: 200, body: undefined },
    unknownToken: oauthError(400, 'invalid_token', 'invalid token'),
  },
};

/** Dropbox: Basic client auth; a refresh returns only access_token, token_type and expires_in; revoke is a Bearer POST. */
export const dropboxProfile: OAuthFakeProfile = {
  key: 'dropbox',
  paths: { authorize: '/oauth2/authorize', token: '/oauth2/token' },
  clientAuth: 'basic',
  tokenBody: 'form',
  tokenPrefix: { access: 'sl.u.', refresh: 'dbrt-' },
  issuesRefreshToken: true,
  rotatesRefreshToken: false,
  tokenResponse: (ctx) =>
    ctx.grant === 'refresh_token'
      ? { access_token: ctx.accessToken, token_type: 'bearer', expires_in: 14400 }
      : {
          access_token: ctx.accessToken,
          expires_in: 14400,
          token_type: 'bearer',
          scope: ctx.scope,
          refresh_token: ctx.refreshToken,
          account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
          uid: '12345',
        },
  error: (kind) =>
    kind === 'invalid_client'
      ? oauthError(400, 'invalid_client', 'Invalid client_id or client_secret')
      : kind === 'bad_request'
        ? oauthError(400, 'invalid_request', 'unknown field')
        : oauthError(400, 'invalid_grant', kind === 'invalid_code' ? "code doesn't exist or has expired" : 'refresh token is invalid or revoked'),
  revocation: {
    path: '/2/auth/token/revoke',
    style: 'dropbox',
    ok: { status: 200, body: null },
    unknownToken: { status: 401, body: { error_summary: 'invalid_access_token/..', error: { '.tag': 'invalid_access_token' } } },
  },
};

/** Linear: comma-separated scopes at authorize, a space-separated granted scope; rotation and RFC 7009 revoke are the provider file's assumptions. */
export const linearProfile: OAuthFakeProfile = {
  key: 'linear',
  paths: { authorize: '/oauth/authorize', token: '/oauth/token' },
  clientAuth: 'body',
  tokenBody: 'form',
  tokenPrefix: { access: 'lin_oauth_', refresh: 'lin_rt_' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  grantScope: (requested) => requested.split(',').join(' '),
  tokenResponse: (ctx) => ({ access_token: ctx.accessToken, token_type: 'Bearer', expires_in: 86399, scope: ctx.scope, refresh_token: ctx.refreshToken }),
  error: (kind) =>
    kind === 'invalid_client'
      ? oauthError(401, 'invalid_client', 'Client authentication failed')
      : kind === 'bad_request'
        ? oauthError(400, 'invalid_request', 'Invalid request')
        : oauthError(400, 'invalid_grant', 'The provided authorization grant is invalid'),
  revocation: { path: '/oauth/revoke', style: 'rfc7009', clientAuth: 'body', ok: { status: 200, body: {} }, unknownToken: { status: 200, body: {} } },
};

/** Zoom: Basic client auth, rotating refresh tokens, `reason` next to `error`. */
export const zoomProfile: OAuthFakeProfile = {
  key: 'zoom',
  paths: { authorize: '/oauth/authorize', token: '/oauth/token', userinfo: '/v2/users/me' },
  clientAuth: 'basic',
  tokenBody: 'form',
  tokenPrefix: { access: 'eyJzdiI6IjAwMDAwMSIs', refresh: 'eyJzdiI6InJ0' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  tokenResponse: (ctx) => ({
    access_token: ctx.accessToken,
    token_type: 'bearer',
    refresh_token: ctx.refreshToken,
    expires_in: 3599,
    scope: ctx.scope,
    api_url: 'https://api.zoom.us',
  }),
  error: (kind) =>
    kind === 'invalid_client'
      ? { status: 401, body: { reason: 'Invalid client_id or client_secret', error: 'invalid_client' } }
      : kind === 'bad_request'
        ? { status: 400, body: { reason: 'Unsupported grant type', error: 'unsupported_grant_type' } }
        : { status: 400, body: { reason: kind === 'invalid_code' ? 'Invalid authorization code' : 'Invalid Token!', error: 'invalid_grant' } },
  revocation: {
    path: '/oauth/revoke',
    style: 'rfc7009',
    clientAuth: 'basic',
    ok: { status: 200, body: { status: 'success' } },
    unknownToken: { status: 400, body: { reason: 'Invalid Token!', error: 'invalid_request' } },
  },
  userinfo: { id: 'KdYKjnimT4KPd8FFgQt9FQ', email: 'jane@example.com', account_id: 'q6gBJVO5TzexKYTb_I2rpg' },
};
