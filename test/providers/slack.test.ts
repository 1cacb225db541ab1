/** Slack quirks: HTTP 200 `ok:false` errors, `token_type: bot`, the user token under `authed_user`, auth.revoke. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { oidc } from '../../lib/oauth/client.ts';
import { CLIENT, decodeBasic } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('slack', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('slack');
  });
  afterAll(() => h.close());

  it('REQ-14: an ok:false answer with HTTP 200 becomes an OAuth error with .error invalid_code', async () => {
    const { auth, callbackUrl } = await h.authorize();
    await h.exchange(callbackUrl, auth);
    const error = await rejectionOf(h.exchange(callbackUrl, auth));
    expectOAuthError(error, 'invalid_code', 400);
  });

  it('REQ-14: a 429 ratelimited answer keeps its status and Retry-After, so it stays transient', async () => {
    const { normalized } = await h.connect();
    h.fake.failNext('token', '429');
    const error = await rejectionOf(h.refresh(normalized.credentials));
    expectOAuthError(error, 'ratelimited', 429);
    expect((error as oidc.ResponseBodyError).response.headers.get('retry-after')).toBe('7');
  });

  it('REQ-7: authenticates with HTTP Basic (form-urlencoded before base64), never with client_secret in the body', async () => {
    await h.connect();
    const request = h.fake.requestsTo('token').at(-1)!;
    expect(decodeBasic(request.headers.authorization)).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
    // The ':' inside the secret must arrive encoded, or the Basic value would split in the wrong place.
    expect(Buffer.from(request.headers.authorization!.slice(6), 'base64').toString().split(':')).toHaveLength(2);
    const body = new URLSearchParams(request.body);
    expect(body.has('client_secret')).toBe(false);
    expect(body.get('grant_type')).toBe('authorization_code');
  });

  it('REQ-2: sends a state but no PKCE challenge, and asks for comma-separated bot scopes', async () => {
    const { auth } = await h.authorize();
    const url = new URL(auth.url);
    expect(url.searchParams.get('state')).toBe(auth.state);
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('channels:read,chat:write');
  });

  it('REQ-9: keeps the bot token type and stores the user token from authed_user as a secret extra', async () => {
    const { normalized } = await h.connect();
    expect(normalized.credentials.accessToken).toMatch(/^xoxe\.xoxb-/);
    expect(normalized.credentials.tokenType).toBe('bot');
    expect(normalized.credentials.extra).toEqual({ userAccessToken: 'xoxe.xoxp-1-user', userRefreshToken: 'xoxe-1-user-rt' });
  });

  it('REQ-9: keys an Enterprise Grid install (team null) on enterprise.id', async () => {
    h.fake.patchNextTokenResponse({ team: null, enterprise: { id: 'E12345678', name: 'Umbrella Corp' }, is_enterprise_install: true });
    const { normalized } = await h.connect();
    expect(normalized.accountId).toBe('E12345678');
  });

  it('REQ-11: a bot-token refresh yields the rotated refresh token and keeps the user token extras', async () => {
    const { normalized: first } = await h.connect();
    const next = await h.refresh(first.credentials);
    expect(next.credentials.refreshToken).toMatch(/^xoxe-1-/);
    expect(next.credentials.refreshToken).not.toBe(first.credentials.refreshToken);
    expect(next.credentials.extra).toEqual(first.credentials.extra);
    expect(next.accountId).toBe('T9TK3CUKW');
  });

  it('REQ-16: auth.revoke gets the access token as Bearer, nothing in the URL or body', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toEqual({ revoked: true, detail: 'revoked at Slack' });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe(`Bearer ${normalized.credentials.accessToken}`);
    expect(request.body).toBe('');
    expect(h.fake.isActive(normalized.credentials.accessToken)).toBe(false);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
