/**
 * Microsoft identity platform (`common`): ID tokens whose iss names the user's tenant, the account on `oid`,
 * rotating refresh tokens, no PKCE and no revocation endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidc } from '../../lib/oauth/client.ts';
import { MS_OID, MS_TENANT } from '../fakes/profiles-a.ts';
import { expectNoSecretsInUrls, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('microsoft', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('microsoft');
  });
  afterAll(() => h.close());

  it('REQ-9: accepts the tenant-specific ID token issuer and keys the account on oid', async () => {
    const { normalized } = await h.connect();
    expect(normalized.accountId).toBe(MS_OID);
    const payload = JSON.parse(Buffer.from(normalized.credentials.idToken!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: `${h.fake.origin}/${MS_TENANT}/v2.0`, tid: MS_TENANT, oid: MS_OID });
    expect(normalized.scopes).toEqual(['openid', 'email', 'User.Read']);
  });

  it('REQ-5: rejects an ID token whose issuer is not {authority}/{tid}/v2.0', async () => {
    h.fake.patchNextTokenResponse({ id_token: await h.fake.signIdToken({ iss: `https://login.evil.example/${MS_TENANT}/v2.0` }) });
    const { auth, callbackUrl } = await h.authorize();
    const error = await rejectionOf(h.exchange(callbackUrl, auth));
    expect(error).toBeInstanceOf(oidc.ClientError);
    expect((error as oidc.ClientError).code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
  });

  it('REQ-5: rejects an ID token whose issuer names another tenant than its tid', async () => {
    h.fake.patchNextTokenResponse({ id_token: await h.fake.signIdToken({ iss: `${h.fake.origin}/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0` }) });
    const { auth, callbackUrl } = await h.authorize();
    expect(await rejectionOf(h.exchange(callbackUrl, auth))).toBeInstanceOf(oidc.ClientError);
  });

  it('REQ-11: every refresh replaces the refresh token, and the account survives the refresh', async () => {
    const { normalized: first } = await h.connect();
    const second = await h.refresh(first.credentials);
    const third = await h.refresh(second.credentials);
    expect(new Set([first, second, third].map((n) => n.credentials.refreshToken)).size).toBe(3);
    expect(third.accountId).toBe(MS_OID);
  });

  it('REQ-2/REQ-4: sends state without PKCE, asks for offline_access, and repeats the redirect_uri at the token endpoint', async () => {
    const { auth } = await h.connect();
    const params = new URL(auth.url).searchParams;
    expect(params.get('state')).toBe(auth.state);
    expect(params.has('code_challenge')).toBe(false);
    expect(params.get('scope')!.split(' ')).toContain('offline_access');
    const body = new URLSearchParams(h.fake.requestsTo('token').at(-1)!.body);
    expect(body.get('redirect_uri')).toBe(params.get('redirect_uri'));
    expect(body.has('code_verifier')).toBe(false);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
