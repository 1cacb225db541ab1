/** Linear (comma-separated scopes, RFC 7009 revoke with body credentials) and Zoom (HTTP Basic, RFC 6749 §5.2 401s). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, decodeBasic } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, expectTransient, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('linear', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('linear');
  });
  afterAll(() => h.close());

  it('REQ-9: asks with comma-separated scopes and stores the space-separated granted ones', async () => {
    const { auth, normalized } = await h.connect(['read', 'write']);
    expect(new URL(auth.url).searchParams.get('scope')).toBe('read,write');
    expect(normalized.scopes).toEqual(['read', 'write']);
  });

  it('REQ-16: revokes the access token with an RFC 7009 form body carrying the client credentials', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const body = Object.fromEntries(new URLSearchParams(h.fake.requestsTo('revoke').at(-1)!.body));
    expect(body).toEqual({
      token: normalized.credentials.accessToken,
      token_type_hint: 'access_token',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});

describe('zoom', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('zoom');
  });
  afterAll(() => h.close());

  it('REQ-14: invalid_client as 401 + WWW-Authenticate (RFC 6749 §5.2) is still reported as invalid_client', async () => {
    const { normalized } = await h.connect();
    h.fake.failNext('token', 'invalid_client');
    expectOAuthError(await rejectionOf(h.refresh(normalized.credentials)), 'invalid_client', 401);
  });

  it('REQ-15: after a lost rotating refresh, the retry with the same refresh token is invalid_grant', async () => {
    const { normalized } = await h.connect();
    h.fake.failNext('token', 'lost');
    expectTransient(await rejectionOf(h.refresh(normalized.credentials, { timeoutSeconds: 0.2 })), 'OAUTH_TIMEOUT');
    expectOAuthError(await rejectionOf(h.refresh(normalized.credentials)), 'invalid_grant', 400);
  });

  it('REQ-16: revokes with HTTP Basic and the access token in the form body', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(decodeBasic(request.headers.authorization)).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
    expect(new URLSearchParams(request.body).get('token')).toBe(normalized.credentials.accessToken);
    expect(new URLSearchParams(request.body).has('client_secret')).toBe(false);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
