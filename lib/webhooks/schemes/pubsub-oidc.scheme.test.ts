import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { pubsubOidcScheme, type PubSubExpectations } from './pubsub-oidc.scheme.ts';

const ACCOUNT = 'push@p.iam.gserviceaccount.com';
const AUD = 'https://plugboard.test/webhooks/gmail';

describe('pubsubOidcScheme', async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }] });
  const expect_: PubSubExpectations = { audience: AUD, serviceAccount: ACCOUNT, jwks };
  const now = Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ email: ACCOUNT, email_verified: true, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('https://accounts.google.com')
      .setAudience(AUD)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
  const envelope = Buffer.from(
    JSON.stringify({
      message: { data: Buffer.from(JSON.stringify({ emailAddress: 'u@example.com', historyId: '9' })).toString('base64url'), messageId: 'm1' },
    }),
  );
  const req = async (claims: Record<string, unknown> = {}) => ({
    body: envelope,
    headers: { authorization: `Bearer ${await token(claims)}` },
    query: new URLSearchParams(),
    nowSeconds: now,
  });

  it('routes a push from our service account by mailbox', async () => {
    expect(await pubsubOidcScheme.verify(await req(), expect_)).toEqual({
      kind: 'event',
      deliveryId: 'm1',
      eventType: 'gmail.history',
      route: { accountId: 'u@example.com' },
    });
    expect(pubsubOidcScheme.actionFor('gmail.history')).toBe('sync_hint');
  });
  it('rejects another service account, an unverified email, and any push when no service account is configured', async () => {
    expect(await pubsubOidcScheme.verify(await req({ email: 'other@x' }), expect_)).toMatchObject({ kind: 'rejected' });
    expect(await pubsubOidcScheme.verify(await req({ email_verified: false }), expect_)).toMatchObject({ kind: 'rejected' });
    expect(await pubsubOidcScheme.verify(await req(), { ...expect_, serviceAccount: undefined })).toMatchObject({ kind: 'rejected' });
  });
  it('defaults the audience to the endpoint URL, as Pub/Sub does', () => {
    const e = pubsubOidcScheme.expectations({ secrets: [], setting: () => undefined, endpointUrl: 'https://h/webhooks/gmail' });
    expect(e.audience).toBe('https://h/webhooks/gmail');
  });
});
