/**
 * GitHub quirks: errors with HTTP 200, `Accept: application/json` (the reply is form-encoded without it), the
 * account from GET /user, and DELETE /applications/{client_id}/token. OAuth App and GitHub App.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, decodeBasic } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('github (OAuth App)', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('github');
  });
  afterAll(() => h.close());

  it('REQ-14: bad_verification_code with HTTP 200 is a ResponseBodyError', async () => {
    const { auth, callbackUrl } = await h.authorize();
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('code', 'code-forged');
    expectOAuthError(await rejectionOf(h.exchange(tampered, auth)), 'bad_verification_code');
  });

  it('asks for JSON on every token request (GitHub answers form-encoded otherwise)', async () => {
    await h.connect();
    for (const request of h.fake.requestsTo('token')) expect(request.headers.accept).toMatch(/application\/json/);
  });

  it('REQ-3/REQ-7: sends the PKCE verifier and the client credentials in the form body', async () => {
    const { auth } = await h.connect();
    const body = new URLSearchParams(h.fake.requestsTo('token').at(-1)!.body);
    expect(body.get('code_verifier')).toBe(auth.codeVerifier);
    expect(body.get('client_id')).toBe(CLIENT.clientId);
    expect(body.get('client_secret')).toBe(CLIENT.clientSecret);
    expect(new URL(auth.url).searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('REQ-9: the account is the numeric user id from GET /user, asked with the new token as Bearer', async () => {
    const { normalized } = await h.connect();
    expect(normalized.accountId).toBe('1234');
    const request = h.fake.requestsTo('userinfo').at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${normalized.credentials.accessToken}`);
    expect(new URL(request.url).search).toBe('');
  });

  it('REQ-16: revokes with DELETE /applications/{client_id}/token, client Basic and the token in a JSON body', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(request.method).toBe('DELETE');
    expect(new URL(request.url).pathname).toBe(`/applications/${CLIENT.clientId}/token`);
    expect(decodeBasic(request.headers.authorization)).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
    expect(JSON.parse(request.body)).toEqual({ access_token: normalized.credentials.accessToken });
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});

describe('github-app (user-to-server)', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('github-app');
  });
  afterAll(() => h.close());

  it('REQ-9/REQ-11: 8-hour ghu_ tokens and single-use ghr_ refresh tokens, empty scope', async () => {
    const { normalized } = await h.connect();
    expect(normalized.credentials.accessToken).toMatch(/^ghu_/);
    expect(normalized.credentials.refreshToken).toMatch(/^ghr_/);
    expect(normalized.scopes).toEqual([]);
    const next = await h.refresh(normalized.credentials);
    expect(next.credentials.refreshToken).toMatch(/^ghr_/);
    expect(next.credentials.refreshToken).not.toBe(normalized.credentials.refreshToken);
  });

  it('REQ-14: a used refresh token is bad_refresh_token with HTTP 200, reported as a ResponseBodyError', async () => {
    const { normalized } = await h.connect();
    await h.refresh(normalized.credentials);
    expectOAuthError(await rejectionOf(h.refresh(normalized.credentials)), 'bad_refresh_token', 400);
  });

  it('REQ-18: refreshes with the refresh token in the form body, not in the query string GitHub documents', async () => {
    const { normalized } = await h.connect();
    await h.refresh(normalized.credentials);
    const request = h.fake.requestsTo('token').at(-1)!;
    expect(new URL(request.url).search).toBe('');
    expect(new URLSearchParams(request.body).get('refresh_token')).toBe(normalized.credentials.refreshToken);
  });

  it('REQ-9: records the GitHub user id from GET /user as the account', async () => {
    const { normalized } = await h.connect();
    expect(normalized.accountId).toBe('1234');
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
