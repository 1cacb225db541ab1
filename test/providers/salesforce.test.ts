/** Salesforce: no expires_in, instance_url/id metadata, optional rotation, revoke answering 400 for a dead token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SF_ID, SF_INSTANCE } from '../fakes/profiles-b.ts';
import { expectNoSecretsInUrls, NOW, startProvider, type ProviderHarness } from './harness.ts';

describe('salesforce', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('salesforce');
  });
  afterAll(() => h.close());

  it('REQ-9: without expires_in the org default lifetime applies; instance_url and the identity URL are kept', async () => {
    const { response, normalized } = await h.connect();
    expect(response.expires_in).toBeUndefined();
    expect(normalized.credentials.expiresAt).toBe(NOW + 7200 * 1000);
    expect(normalized.metadata).toEqual({ instance_url: SF_INSTANCE, id: SF_ID });
    expect(normalized.accountId).toBe(SF_ID);
    expect(JSON.stringify(normalized.metadata)).not.toContain(normalized.credentials.accessToken);
  });

  it('REQ-11: keeps the old refresh token when the refresh response has none', async () => {
    const { normalized } = await h.connect();
    const next = await h.refresh(normalized.credentials);
    expect(next.credentials.refreshToken).toBe(normalized.credentials.refreshToken);
    expect(next.metadata.instance_url).toBe(SF_INSTANCE);
  });

  it('REQ-16: revokes the refresh token with a form body; a second revocation (400 invalid_token) counts as revoked', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true, detail: 'revoked at Salesforce' });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({
      token: normalized.credentials.refreshToken,
      token_type_hint: 'refresh_token',
    });
    expect(await h.revoke(normalized.credentials)).toEqual({ revoked: true, detail: 'Salesforce reports the token already invalid' });
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});

describe('salesforce with refresh token rotation enabled on the connected app', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('salesforce', { rotatesRefreshToken: true });
  });
  afterAll(() => h.close());

  it('REQ-11: stores the refresh token a refresh returns, although the definition says it does not rotate', async () => {
    const { normalized } = await h.connect();
    const next = await h.refresh(normalized.credentials);
    expect(next.credentials.refreshToken).not.toBe(normalized.credentials.refreshToken);
    expect(h.fake.isActive(next.credentials.refreshToken!)).toBe(true);
    expect(h.fake.isActive(normalized.credentials.refreshToken!)).toBe(false);
  });
});
