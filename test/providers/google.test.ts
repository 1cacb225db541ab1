/**
 * Google (Gmail and Calendar share one AS): a signed ID token checked against the (overridden) issuer and JWKS,
 * access_type=offline, PKCE S256, no refresh-token rotation, and revocation with the token in the body.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidc } from '../../lib/oauth/client.ts';
import { CLIENT } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe.each(['gmail', 'google-calendar'])('%s', (key) => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider(key);
  });
  afterAll(() => h.close());

  it('REQ-9: validates the signed ID token and keeps it with the tokens', async () => {
    const { response, normalized } = await h.connect();
    expect(response.claims()).toMatchObject({ iss: h.fake.origin, aud: CLIENT.clientId, sub: '110169484474386276334', email: 'jane@example.com' });
    expect(normalized.credentials.idToken).toBe(response.id_token);
    expect(normalized.accountId).toBe(key === 'gmail' ? 'jane@example.com' : '110169484474386276334');
  });

  it('REQ-5: rejects an ID token from another issuer', async () => {
    h.fake.patchNextTokenResponse({ id_token: await h.fake.signIdToken({ iss: 'https://accounts.evil.example' }) });
    const { auth, callbackUrl } = await h.authorize();
    const error = await rejectionOf(h.exchange(callbackUrl, auth));
    expect(error).toBeInstanceOf(oidc.ClientError);
    expect((error as oidc.ClientError).code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
  });

  it('REQ-9: fails the exchange when openid was asked for and no ID token came back', async () => {
    h.fake.patchNextTokenResponse({ id_token: undefined });
    const { auth, callbackUrl } = await h.authorize();
    const error = await rejectionOf(h.exchange(callbackUrl, auth));
    expect(error).toBeInstanceOf(oidc.ClientError);
    expect(error).not.toBeInstanceOf(oidc.ResponseBodyError);
  });

  it('REQ-3: sends an S256 challenge at authorize and the matching verifier to the token endpoint; asks for offline access', async () => {
    const { auth } = await h.connect();
    const params = new URL(auth.url).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toBe(createHash('sha256').update(auth.codeVerifier!).digest('base64url'));
    expect(params.get('access_type')).toBe('offline');
    expect(params.get('prompt')).toBe('consent');
    expect(new URLSearchParams(h.fake.requestsTo('token').at(-1)!.body).get('code_verifier')).toBe(auth.codeVerifier);
  });

  it('REQ-3: a code exchanged with another verifier is invalid_grant', async () => {
    const { auth, callbackUrl } = await h.authorize();
    const error = await rejectionOf(h.exchange(callbackUrl, { ...auth, codeVerifier: oidc.randomPKCECodeVerifier() }));
    expectOAuthError(error, 'invalid_grant', 400);
  });

  it('REQ-11: keeps the old refresh token when the refresh response has none', async () => {
    const { normalized } = await h.connect();
    const next = await h.refresh(normalized.credentials);
    expect(h.fake.requestsTo('token').at(-1)!.body).toContain('grant_type=refresh_token');
    expect(next.credentials.refreshToken).toBe(normalized.credentials.refreshToken);
    // The fake signs a fresh ID token on refresh; it is the same user's (comparing the tokens themselves failed
    // whenever connect and refresh straddled a second boundary, as iat differs).
    const sub = (jwt: string | undefined) => JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString('utf8')).sub as string;
    expect(sub(next.credentials.idToken)).toBe(sub(normalized.credentials.idToken));
  });

  it('REQ-16/REQ-18: revokes the refresh token from the form body, not the ?token= query Google documents', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(new URL(request.url).search).toBe('');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({
      token: normalized.credentials.refreshToken,
      token_type_hint: 'refresh_token',
    });
    // Revoking the refresh token ends the grant: its access token dies with it.
    expect(h.fake.isActive(normalized.credentials.accessToken)).toBe(false);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
