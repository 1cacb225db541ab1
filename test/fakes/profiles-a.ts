/**
 * Fake profiles for Google, Slack, Notion, GitHub (OAuth App and GitHub App) and Microsoft, each built from the
 * documented response shapes in docs/security.md part B. Values such as team ids come from the
 * providers' own examples.
 */
import { CLIENT, type FakeResponse, type GrantContext, type OAuthFakeProfile } from './oauth-fake.ts';

const oauthError = (status: number, error: string, error_description: string, extra: Record<string, unknown> = {}): FakeResponse => ({
  status,
  body: { error, error_description, ...extra },
});

/** Gmail and Google Calendar share one authorization server; the ID token is signed by the fake's key. */
export function googleProfile(key: string): OAuthFakeProfile {
  return {
    key,
    paths: { authorize: '/o/oauth2/v2/auth', token: '/token', userinfo: '/v1/userinfo' },
    clientAuth: 'body',
    tokenBody: 'form',
    tokenPrefix: { access: 'ya29.', refresh: '1//' },
    issuesRefreshToken: true,
    rotatesRefreshToken: false,
    overrideIssuer: true,
    // Granular consent: the user left Calendar/Gmail unticked is not modelled; Google adds the userinfo.email alias.
    grantScope: (requested) => requested.replace(/\bemail\b/, 'https://www.googleapis.com/auth/userinfo.email'),
    tokenResponse: (ctx) => ({
      access_token: ctx.accessToken,
      expires_in: 3599,
      ...(ctx.refreshToken ? { refresh_token: ctx.refreshToken } : {}),
      scope: ctx.scope,
      token_type: 'Bearer',
      ...(ctx.idToken ? { id_token: ctx.idToken } : {}),
    }),
    idTokenClaims: (origin) => ({ iss: origin, sub: '110169484474386276334', email: 'jane@example.com', email_verified: true, azp: CLIENT.clientId }),
    error: (kind) =>
      kind === 'invalid_client'
        ? oauthError(401, 'invalid_client', 'Unauthorized')
        : kind === 'bad_request'
          ? oauthError(400, 'invalid_request', 'Invalid request')
          : oauthError(400, 'invalid_grant', kind === 'invalid_code' ? 'Malformed auth code.' : 'Token has been expired or revoked.'),
    revocation: {
      path: '/revoke',
      style: 'rfc7009',
      clientAuth: 'none',
      ok: { status: 200, body: {} },
      unknownToken: oauthError(400, 'invalid_token', 'Token expired or revoked'),
    },
  };
}

/** Slack oauth.v2.access with token rotation enabled: errors arrive as HTTP 200 `ok:false`. */
export const slackProfile: OAuthFakeProfile = {
  key: 'slack',
  paths: { authorize: '/oauth/v2/authorize', token: '/api/oauth.v2.access' },
  clientAuth: 'basic',
  tokenBody: 'form',
  tokenPrefix: { access: 'xoxe.xoxb-1-', refresh: 'xoxe-1-' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  tokenResponse: (ctx: GrantContext) => ({
    ok: true,
    app_id: 'A0KRD7HC3',
    access_token: ctx.accessToken,
    token_type: 'bot',
    scope: ctx.scope,
    bot_user_id: 'U0KRQLJ9H',
    team: { id: 'T9TK3CUKW', name: 'Slack Softball Team' },
    enterprise: null,
    is_enterprise_install: false,
    expires_in: 43200,
    ...(ctx.refreshToken ? { refresh_token: ctx.refreshToken } : {}),
    ...(ctx.grant === 'authorization_code'
      ? {
          authed_user: {
            id: 'U1234',
            scope: 'chat:write',
            access_token: 'xoxe.xoxp-1-user',
            token_type: 'user',
            expires_in: 43200,
            refresh_token: 'xoxe-1-user-rt',
          },
        }
      : {}),
  }),
  error: (kind) => ({
    status: 200,
    body: {
      ok: false,
      error: {
        invalid_code: 'invalid_code',
        invalid_refresh_token: 'invalid_refresh_token',
        invalid_client: 'bad_client_secret',
        bad_request: 'invalid_arguments',
      }[kind],
    },
  }),
  // Web API rate limits: HTTP 429 with Retry-After, and the usual ok:false body.
  rateLimited: { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '7' } },
  revocation: {
    path: '/api/auth.revoke',
    style: 'slack',
    ok: { status: 200, body: { ok: true, revoked: true } },
    unknownToken: { status: 200, body: { ok: false, error: 'invalid_auth' } },
  },
};

/** Notion: HTTP Basic and a JSON body are required; the response has no expires_in. */
export const notionProfile: OAuthFakeProfile = {
  key: 'notion',
  paths: { authorize: '/v1/oauth/authorize', token: '/v1/oauth/token' },
  clientAuth: 'basic',
  tokenBody: 'json',
  requiredHeaders: { 'Notion-Version': '2022-06-28' },
  tokenPrefix: { access: 'ntn_', refresh: 'nrt_' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  tokenResponse: (ctx) => ({
    access_token: ctx.accessToken,
    token_type: 'bearer',
    ...(ctx.refreshToken ? { refresh_token: ctx.refreshToken } : {}),
    bot_id: 'b3414d659-1224-5ty7-6ffr-cc9d8773drt601288f',
    workspace_name: "Jane's Notion",
    workspace_icon: 'https://www.notion.so/images/favicon.ico',
    workspace_id: 'j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x',
    owner: { type: 'user', user: { object: 'user', id: '4f7b5e3c-0000-4000-8000-2c1b9f3a7d11' } },
    duplicated_template_id: null,
    request_id: 'f5b6a9d0-7c8b-4f0a-9d3e-2b1c0a9f8e7d',
  }),
  error: (kind) =>
    kind === 'invalid_client'
      ? oauthError(401, 'invalid_client', 'Client authentication failed.')
      : kind === 'bad_request'
        ? oauthError(400, 'invalid_request', 'body failed validation.')
        : oauthError(400, 'invalid_grant', kind === 'invalid_code' ? 'Invalid code.' : 'Invalid refresh token.'),
  revocation: { path: '/v1/oauth/revoke', style: 'notion', ok: { status: 200, body: {} }, unknownToken: oauthError(400, 'invalid_grant', 'Invalid token.') },
};

const githubError = (error: string, error_description: string): FakeResponse => ({
  status: 200,
  body: {
    error,
    error_description,
    error_uri: `https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${error.replace(/_/g, '-')}`,
  },
});

function githubBase(key: 'github' | 'github-app'): Omit<OAuthFakeProfile, 'tokenPrefix' | 'issuesRefreshToken' | 'rotatesRefreshToken' | 'tokenResponse'> {
  return {
    key,
    paths: { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token', userinfo: '/user' },
    clientAuth: 'body',
    tokenBody: 'form',
    formUnlessAcceptJson: true,
    error: (kind) =>
      kind === 'invalid_code'
        ? githubError('bad_verification_code', 'The code passed is incorrect or expired.')
        : kind === 'invalid_refresh_token'
          ? githubError('bad_refresh_token', 'The refresh token passed is incorrect or expired.')
          : kind === 'invalid_client'
            ? githubError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.')
            : githubError('unsupported_grant_type', 'The grant type is not supported.'),
    revocation: {
      path: '/applications/{client_id}/token',
      style: 'github',
      ok: { status: 204, body: undefined },
      unknownToken: {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token', status: '404' },
      },
    },
    userinfo: { login: 'octocat', id: 1234, node_id: 'MDQ6VXNlcjE=', type: 'User' },
  };
}

/** GitHub OAuth App: tokens never expire and come without a refresh token. */
export const githubProfile: OAuthFakeProfile = {
  ...githubBase('github'),
  tokenPrefix: { access: 'gho_', refresh: 'unused_' },
  issuesRefreshToken: false,
  rotatesRefreshToken: false,
  tokenResponse: (ctx) => ({ access_token: ctx.accessToken, scope: ctx.scope, token_type: 'bearer' }),
};

/** GitHub App user tokens: 8 h, single-use refresh tokens, `scope` always empty. */
export const githubAppProfile: OAuthFakeProfile = {
  ...githubBase('github-app'),
  tokenPrefix: { access: 'ghu_', refresh: 'ghr_' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  tokenResponse: (ctx) => ({
    access_token: ctx.accessToken,
    expires_in: 28800,
    refresh_token: ctx.refreshToken,
    refresh_token_expires_in: 15811200,
    scope: '',
    token_type: 'bearer',
  }),
};

export const MS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const MS_OID = '00000000-0000-0000-66f3-3332eca7ea81';

/** Microsoft identity platform (`common`): rotating refresh tokens; the ID token's iss names the user's tenant. */
export const microsoftProfile: OAuthFakeProfile = {
  key: 'microsoft',
  paths: { authorize: '/common/oauth2/v2.0/authorize', token: '/common/oauth2/v2.0/token' },
  clientAuth: 'body',
  tokenBody: 'form',
  tokenPrefix: { access: 'EwBwA8l6BAAU', refresh: 'M.C5_BAY.' },
  issuesRefreshToken: true,
  rotatesRefreshToken: true,
  // The granted scope lists the resource scopes and the OIDC ones, not offline_access.
  grantScope: (requested) =>
    requested
      .split(' ')
      .filter((s) => s !== 'offline_access')
      .join(' '),
  tokenResponse: (ctx) => ({
    token_type: 'Bearer',
    scope: ctx.scope,
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: ctx.accessToken,
    refresh_token: ctx.refreshToken,
    ...(ctx.idToken ? { id_token: ctx.idToken } : {}),
  }),
  idTokenClaims: (origin) => ({
    iss: `${origin}/${MS_TENANT}/v2.0`,
    tid: MS_TENANT,
    oid: MS_OID,
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    email: 'jane@contoso.com',
    ver: '2.0',
  }),
  error: (kind) =>
    kind === 'invalid_client'
      ? oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.', { error_codes: [7000215] })
      : kind === 'bad_request'
        ? oauthError(400, 'invalid_request', 'AADSTS900144: The request body must contain the following parameter.', { error_codes: [900144] })
        : oauthError(400, 'invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.', {
            error_codes: [70008],
          }),
};

export { oauthError };
