/** Atlassian 3LO: client credentials in a JSON body, 403 invalid_grant, rotation with a reuse leeway, no revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { oidc } from '../../lib/oauth/client.ts';
import { CLIENT } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, expectTransient, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('atlassian', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('atlassian');
  });
  afterAll(() => h.close());

  it('REQ-7: posts a JSON body carrying the client credentials, with no Authorization header', async () => {
    await h.connect();
    const request = h.fake.requestsTo('token').at(-1)!;
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers.authorization).toBeUndefined();
    expect(JSON.parse(request.body)).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
  });

  it('asks for the api.atlassian.com audience with forced consent and offline_access', async () => {
    const { auth } = await h.authorize();
    const params = new URL(auth.url).searchParams;
    expect(params.get('audience')).toBe('api.atlassian.com');
    expect(params.get('prompt')).toBe('consent');
    expect(params.get('scope')!.split(' ')).toContain('offline_access');
  });

  it('REQ-14: a dead refresh token is 403 invalid_grant "Unknown or invalid refresh token."', async () => {
    const { normalized } = await h.connect();
    const error = await rejectionOf(h.refresh({ ...normalized.credentials, refreshToken: 'eyJraWQiOiJydCIunknown' }));
    expectOAuthError(error, 'invalid_grant', 403);
    expect((error as oidc.ResponseBodyError).error_description).toBe('Unknown or invalid refresh token.');
  });

  it('REQ-15: a refresh whose response was lost times out (transient); the retry with the same token succeeds within the leeway', async () => {
    const { normalized } = await h.connect();
    h.fake.failNext('token', 'lost');
    expectTransient(await rejectionOf(h.refresh(normalized.credentials, { timeoutSeconds: 0.2 })), 'OAUTH_TIMEOUT');
    // The lost response rotated the refresh token at the provider already.
    expect(h.fake.isActive(normalized.credentials.refreshToken!)).toBe(false);
    const retried = await h.refresh(normalized.credentials);
    expect(retried.credentials.refreshToken).not.toBe(normalized.credentials.refreshToken);
    expect(h.fake.isActive(retried.credentials.refreshToken!)).toBe(true);
  });

  it('REQ-9: reads the account from /me with the new access token', async () => {
    const { normalized } = await h.connect();
    expect(normalized.accountId).toBe('557058:f58131cb-b67d-43c7-b30d-6b58d40bd077');
    expect(h.fake.requestsTo('userinfo').at(-1)!.headers.authorization).toBe(`Bearer ${normalized.credentials.accessToken}`);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
