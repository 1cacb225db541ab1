/** Dropbox: HTTP Basic, offline access, a refresh that returns only access_token + expires_in, Bearer revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, decodeBasic } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, NOW, startProvider, type ProviderHarness } from './harness.ts';

describe('dropbox', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('dropbox');
  });
  afterAll(() => h.close());

  it('REQ-7: authenticates with HTTP Basic and asks for offline access', async () => {
    const { auth } = await h.connect();
    const request = h.fake.requestsTo('token').at(-1)!;
    expect(decodeBasic(request.headers.authorization)).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
    expect(new URLSearchParams(request.body).has('client_secret')).toBe(false);
    expect(new URL(auth.url).searchParams.get('token_access_type')).toBe('offline');
  });

  it('REQ-11: a refresh answered with only access_token and expires_in keeps the refresh token and sets a new expiry', async () => {
    const { normalized } = await h.connect();
    const next = await h.refresh(normalized.credentials);
    expect(next.credentials.accessToken).not.toBe(normalized.credentials.accessToken);
    expect(next.credentials.refreshToken).toBe(normalized.credentials.refreshToken);
    expect(next.credentials.expiresAt).toBe(NOW + 14400 * 1000);
    expect(next.scopes).toEqual(['account_info.read', 'files.metadata.read']);
  });

  it('REQ-16: revokes with a Bearer POST that has no body and no form Content-Type', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${normalized.credentials.accessToken}`);
    expect(request.body).toBe('');
    expect(request.headers['content-type']).toBeUndefined();
    // The access token revokes its refresh token with it.
    expect(h.fake.isActive(normalized.credentials.refreshToken!)).toBe(false);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
