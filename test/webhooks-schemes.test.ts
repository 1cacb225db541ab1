/**
 * Every webhook scheme that test/webhooks.test.ts does not cover, through the real HTTP endpoint
 * (docs/security.md part C and the E.4 test list): Stripe, Notion, Gmail Pub/Sub OIDC, Google
 * Calendar channels, Microsoft Graph, Standard Webhooks secret rotation, and routing that never trusts an
 * unverified body field.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration, WebhookEvent } from '../db/entities/index.ts';
import { readEventPayload } from '../db/repositories/webhook-events.repository.ts';
import { signNotion, signSlack, signStandardWebhook, signStripe } from '../lib/webhooks/signatures.ts';
import type { ProviderDefinition } from '../providers/types.ts';
import { startTestApi, type TestApi } from './helpers.ts';

const SLACK_APP_SECRET = 'slack-app-signing-secret-schemes';
const PUSH_AUDIENCE = 'https://plugboard.test/webhooks/gmail';
const PUSH_ACCOUNT = 'gmail-push@plugboard-test.iam.gserviceaccount.com';

let api: TestApi;
let jwksServer: Server;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
const KID = 'test-key-1';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/certs`;
  api = await startTestApi({
    worker: true,
    env: {
      PLUGBOARD_SLACK_WEBHOOK_SECRET: SLACK_APP_SECRET,
      PLUGBOARD_GMAIL_PUSH_AUDIENCE: PUSH_AUDIENCE,
      PLUGBOARD_GMAIL_PUSH_SERVICE_ACCOUNT: PUSH_ACCOUNT,
      PLUGBOARD_GMAIL_PUSH_JWKS_URI: jwksUri,
    },
  });
});
afterAll(async () => {
  await api?.close();
  jwksServer?.closeAllConnections();
  await new Promise((r) => jwksServer?.close(r));
});

async function integration(provider: string, secrets: Record<string, string> = {}) {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider, ...(Object.keys(secrets).length ? { secrets } : {}) } });
  expect(created.status).toBe(201);
  return { key, id: created.body.data.id as string };
}

async function events(integrationId: string) {
  return api.deps.orm.em.fork().find(WebhookEvent, { integrationId }, { orderBy: { createdAt: 'asc' } });
}

function post(path: string, body: string | undefined, headers: Record<string, string> = {}) {
  return fetch(`${api.url}${path}`, { method: 'POST', headers, body });
}

const now = () => Math.floor(Date.now() / 1000);

describe('Stripe (C.6)', () => {
  const secret = 'whsec_test_secret';
  let id: string;
  beforeAll(async () => {
    // No built-in provider uses Stripe's scheme yet: register a definition so the real route serves it.
    const stripe: ProviderDefinition = {
      key: 'stripe',
      name: 'Stripe',
      description: 'test-only definition',
      color: '#635BFF',
      authorizationUrl: 'https://connect.stripe.com/oauth/authorize',
      tokenUrl: 'https://connect.stripe.com/oauth/token',
      defaultScopes: ['read_write'],
      scopeSeparator: ' ',
      pkce: 'S256',
      clientAuth: 'client_secret_post',
      tokenRequestBody: 'form',
      issParameterSupported: false,
      account: {},
      refresh: { supported: false, rotatesRefreshToken: false },
      revocation: { style: 'none', token: 'refresh_token' },
      webhook: { scheme: 'stripe', maxBodyBytes: 1024 * 1024 },
    };
    (api.deps.providers.builtIns as Map<string, ProviderDefinition>).set('stripe', stripe);
    ({ id } = await integration('stripe', { webhookSecret: secret }));
  });

  const stripeBody = (evt: string) => JSON.stringify({ id: evt, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } });

  it('accepts a header with two v1 signatures during a rotation when either one matches', async () => {
    const body = stripeBody('evt_rotation_1');
    const t = now();
    const oldSig = signStripe(body, 'whsec_old_secret', t).split(',')[1]!;
    const newSig = signStripe(body, secret, t).split(',')[1]!;
    const res = await post(`/webhooks/stripe/${id}`, body, { 'content-type': 'application/json', 'stripe-signature': `t=${t},${oldSig},${newSig}` });
    expect(res.status).toBe(200);
    const body2 = stripeBody('evt_rotation_2');
    const res2 = await post(`/webhooks/stripe/${id}`, body2, {
      'stripe-signature': `t=${t},${signStripe(body2, secret, t).split(',')[1]},v1=${'0'.repeat(64)}`,
    });
    expect(res2.status).toBe(200);
    expect((await events(id)).map((e) => [e.deliveryId, e.eventType])).toEqual([
      ['evt_rotation_1', 'invoice.paid'],
      ['evt_rotation_2', 'invoice.paid'],
    ]);
  });

  it('rejects when no v1 matches, with only v0, and outside a symmetric ±300 s window', async () => {
    const body = stripeBody('evt_bad');
    const t = now();
    const before = (await events(id)).length;
    const cases = [
      `t=${t},v1=${signStripe(body, 'whsec_other', t).split('v1=')[1]}`,
      `t=${t},v0=${signStripe(body, secret, t).split('v1=')[1]}`,
      signStripe(body, secret, t - 301),
      // stripe-node would accept a future timestamp; we do not. (+310: the server's clock may be a
      // second or more ahead of `t` by the time the request arrives.)
      signStripe(body, secret, t + 310),
      `v1=${signStripe(body, secret, t).split('v1=')[1]}`,
    ];
    for (const header of cases) {
      const res = await post(`/webhooks/stripe/${id}`, body, { 'stripe-signature': header });
      expect(res.status, header).toBe(401);
    }
    expect((await events(id)).length).toBe(before);
    // Inside the window on both sides.
    for (const [evt, ts] of [
      ['evt_past', t - 250],
      ['evt_future', t + 250],
    ] as const) {
      const b = stripeBody(evt);
      expect((await post(`/webhooks/stripe/${id}`, b, { 'stripe-signature': signStripe(b, secret, ts) })).status).toBe(200);
    }
    expect((await events(id)).length).toBe(before + 2);
  });
});

describe('Notion (C.3)', () => {
  it('answers the handshake 200, stores nothing and keeps the token pending until an admin confirms it', async () => {
    const { key, id } = await integration('notion');
    const token = 'secret_test_verification_token';
    const hs = await post(`/webhooks/notion/${id}`, JSON.stringify({ verification_token: token }), { 'content-type': 'application/json' });
    expect(hs.status).toBe(200);
    expect(await events(id)).toHaveLength(0);
    const state = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(state.body.data.secretsSet).toContain('notionVerificationTokenPending');
    expect(state.body.data.secretsSet).not.toContain('webhookSecret');
    const logs = await api.request('GET', `/api/v1/integrations/${id}/logs`, { key });
    const handshake = logs.body.data.find((l: { kind: string }) => l.kind === 'webhook_handshake');
    expect(handshake).toBeDefined();
    expect(handshake.message).not.toContain(token);

    // The self-generated vector of §0: signed with the pending token, it must not be accepted yet.
    const body = '{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","type":"page.created"}';
    expect(signNotion(body, token)).toBe('sha256=57673bb8227d641ecc389f84d0ba2219c65c3425b14c7623681edf6885e89f6a');
    const early = await post(`/webhooks/notion/${id}`, body, { 'content-type': 'application/json', 'x-notion-signature': signNotion(body, token) });
    expect(early.status).toBe(401);
    expect(await events(id)).toHaveLength(0);

    // The operator copies the token into webhookSecret: now the same delivery verifies.
    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { secrets: { webhookSecret: token } } })).status).toBe(200);
    const accepted = await post(`/webhooks/notion/${id}`, body, { 'content-type': 'application/json', 'x-notion-signature': signNotion(body, token) });
    expect(accepted.status).toBe(200);
    const stored = await events(id);
    expect(stored.map((e) => [e.deliveryId, e.eventType])).toEqual([['367cba44-b6f3-4c92-81e7-6a2e9659efd4', 'page.created']]);
    // A handshake-looking body with a bad signature, or one extra field without a signature, proves nothing.
    expect((await post(`/webhooks/notion/${id}`, JSON.stringify({ verification_token: 'x', type: 'page.created' }))).status).toBe(401);
    expect((await post(`/webhooks/notion/${id}`, body, { 'x-notion-signature': signNotion(body, 'wrong') })).status).toBe(401);
    expect(await events(id)).toHaveLength(1);
  });
});

describe('Gmail Pub/Sub push with an OIDC token (C.4)', () => {
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  let id: string;
  beforeAll(async () => {
    ({ id } = await integration('gmail'));
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { externalAccountId: email, status: 'active' });
  });

  async function token(claims: JWTPayload & { email?: string; email_verified?: boolean }, key: CryptoKey = signingKey) {
    const iat = now();
    return new SignJWT({ email: PUSH_ACCOUNT, email_verified: true, azp: '1137', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer('https://accounts.google.com')
      .setAudience((claims.aud as string | undefined) ?? PUSH_AUDIENCE)
      .setIssuedAt(claims.iat ?? iat)
      .setExpirationTime(claims.exp ?? iat + 3600)
      .sign(key);
  }
  const envelope = (messageId: string, address = email) =>
    JSON.stringify({
      message: {
        data: Buffer.from(JSON.stringify({ emailAddress: address, historyId: '9876543210' })).toString('base64url'),
        messageId,
        publishTime: new Date().toISOString(),
        attributes: {},
      },
      subscription: 'projects/p/subscriptions/gmail-push',
    });
  const push = (body: string, jwt: string) => post('/webhooks/gmail', body, { 'content-type': 'application/json', authorization: `Bearer ${jwt}` });

  it('stores a valid push as gmail.history, routed by emailAddress on the app-level endpoint', async () => {
    const res = await push(envelope('msg-valid-1'), await token({}));
    expect(res.status).toBe(200);
    const stored = await events(id);
    expect(stored.map((e) => [e.deliveryId, e.eventType, e.provider])).toEqual([['msg-valid-1', 'gmail.history', 'gmail']]);
    // Stored encrypted: the row holds a vault ciphertext, the clear text comes back through the vault.
    expect(stored[0]!.payload).toMatch(/^enc:v1:/);
    expect(stored[0]!.payload).not.toContain('msg-valid-1');
    expect(JSON.parse(readEventPayload(api.deps.vault, stored[0]!)).message.messageId).toBe('msg-valid-1');
    // Verified but for an address nobody connected: acknowledged, nothing stored anywhere.
    const unrouted = await push(envelope('msg-unrouted', 'nobody@example.com'), await token({}));
    expect(unrouted.status).toBe(202);
    expect(await api.deps.orm.em.fork().count(WebhookEvent, { deliveryId: 'msg-unrouted' })).toBe(0);
  });

  it('rejects a wrong audience, a wrong or unverified email, an expired token and a bad signature with 401', async () => {
    const before = (await events(id)).length;
    const t = now();
    const bad = {
      'wrong aud': await token({ aud: 'https://evil.example/webhooks/gmail' }),
      'wrong email': await token({ email: 'someone-else@evil.iam.gserviceaccount.com' }),
      'email_verified=false': await token({ email_verified: false }),
      expired: await token({ iat: t - 7200, exp: t - 60 }),
      'bad signature': await token({}, otherKey),
      'wrong issuer': await new SignJWT({ email: PUSH_ACCOUNT, email_verified: true })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setIssuer('https://evil.example')
        .setAudience(PUSH_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(signingKey),
      'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://accounts.google.com', aud: PUSH_AUDIENCE, email: PUSH_ACCOUNT, email_verified: true, exp: t + 600 })).toString('base64url')}.`,
    };
    for (const [name, jwt] of Object.entries(bad)) {
      const res = await push(envelope(`msg-${name.replace(/\W/g, '-')}`), jwt);
      expect(res.status, name).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'invalid_signature', message: 'Webhook verification failed.' } });
    }
    expect((await post('/webhooks/gmail', envelope('msg-no-auth'), { 'content-type': 'application/json' })).status).toBe(401);
    expect((await events(id)).length).toBe(before);
  });
});

describe('Google Calendar channel notifications (C.5)', () => {
  const channelToken = `chan-token-${randomUUID()}`;
  let id: string;
  beforeAll(async () => {
    let key: string;
    ({ key, id } = await integration('google-calendar'));
    // settings is strict over the API (the channel is ours, created by a watch call): set it in the DB.
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { settings: { calendarChannel: { id: 'chan-1', resourceId: 'res-1' } } });
    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { secrets: { calendarChannelToken: channelToken } } })).status).toBe(200);
  });
  const headers = (over: Record<string, string | undefined> = {}) => {
    const h: Record<string, string | undefined> = {
      'x-goog-channel-id': 'chan-1',
      'x-goog-channel-token': channelToken,
      'x-goog-resource-id': 'res-1',
      'x-goog-resource-state': 'exists',
      'x-goog-message-number': '2',
      'x-goog-resource-uri': 'https://www.googleapis.com/calendar/v3/calendars/primary/events',
      'user-agent': 'APIs-Google',
      ...over,
    };
    return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
  };

  it('stores an `exists` notification and ignores `sync`', async () => {
    const sync = await post(`/webhooks/google-calendar/${id}`, undefined, headers({ 'x-goog-resource-state': 'sync', 'x-goog-message-number': '1' }));
    expect(sync.status).toBe(200);
    expect(await events(id)).toHaveLength(0);
    const res = await post(`/webhooks/google-calendar/${id}`, undefined, headers());
    expect(res.status).toBe(200);
    expect((await events(id)).map((e) => [e.deliveryId, e.eventType])).toEqual([['chan-1:2', 'calendar.exists']]);
    // The same message number again is a duplicate.
    const again = await post(`/webhooks/google-calendar/${id}`, undefined, headers());
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await events(id)).toHaveLength(1);
  });

  it('rejects a wrong or missing token, an unknown channel and a wrong resource id', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['wrong token', headers({ 'x-goog-channel-token': 'guess', 'x-goog-message-number': '10' }), `/webhooks/google-calendar/${id}`],
      ['missing token', headers({ 'x-goog-channel-token': undefined, 'x-goog-message-number': '11' }), `/webhooks/google-calendar/${id}`],
      ['unknown channel', headers({ 'x-goog-channel-id': 'chan-unknown', 'x-goog-message-number': '12' }), `/webhooks/google-calendar/${id}`],
      ['wrong resource id', headers({ 'x-goog-resource-id': 'res-other', 'x-goog-message-number': '13' }), `/webhooks/google-calendar/${id}`],
      ['app-level endpoint cannot resolve a channel', headers({ 'x-goog-message-number': '14' }), '/webhooks/google-calendar'],
    ];
    for (const [name, h, path] of cases) {
      const res = await post(path, undefined, h);
      expect(res.status, name).toBe(401);
    }
    expect((await post('/webhooks/google-calendar/int_00000000000000000000000000', undefined, headers({ 'x-goog-message-number': '15' }))).status).toBe(404);
    expect(await events(id)).toHaveLength(1);
  });
});

describe('Microsoft Graph change notifications (C.8)', () => {
  const clientState = `cs-${randomUUID()}`;
  let id: string;
  beforeAll(async () => {
    ({ id } = await integration('microsoft', { graphClientState: clientState }));
  });
  const notification = (state: string, resourceId = 'AAMk1') =>
    JSON.stringify({
      value: [
        {
          subscriptionId: 'sub-1',
          changeType: 'created',
          clientState: state,
          resource: `Users/u1/Messages/${resourceId}`,
          resourceData: { id: resourceId },
          subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
          tenantId: 't1',
        },
      ],
    });

  it('echoes validationToken exactly as text/plain with nosniff, never as HTML', async () => {
    const tokens = [
      'Validation: Testing client application reachability for subscription Request-Id: 8d9b1b4e',
      '<script>alert(document.cookie)</script>&amp;"\'',
      'ünïcødé ✓',
    ];
    for (const token of tokens) {
      const res = await post(`/webhooks/microsoft/${id}?validationToken=${encodeURIComponent(token)}`, undefined, { 'content-type': 'text/plain' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(token);
    }
    expect(await events(id)).toHaveLength(0);
  });

  it('stores a notification whose clientState matches and rejects a mismatch with 401', async () => {
    const ok = await post(`/webhooks/microsoft/${id}`, notification(clientState), { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
    const stored = await events(id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.eventType).toBe('graph.created');
    for (const state of ['wrong', clientState.slice(0, -1), clientState + 'x', '']) {
      const res = await post(`/webhooks/microsoft/${id}`, notification(state, 'AAMk2'), { 'content-type': 'application/json' });
      expect(res.status, state).toBe(401);
    }
    // One forged item among genuine ones rejects the whole batch.
    const mixed = JSON.parse(notification(clientState, 'AAMk3'));
    mixed.value.push({ ...mixed.value[0], clientState: 'forged', resourceData: { id: 'AAMk4' } });
    expect((await post(`/webhooks/microsoft/${id}`, JSON.stringify(mixed))).status).toBe(401);
    expect(await events(id)).toHaveLength(1);
  });
});

describe('Standard Webhooks secret rotation (C.7, E.1 step 2)', () => {
  it('keeps the previous secret valid after a rotation until its expiry passes', async () => {
    const oldSecret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const newSecret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const { key, id } = await integration('sandbox', { webhookSecret: oldSecret });
    const send = (secret: string) => {
      const msgId = `msg_${randomUUID().replace(/-/g, '')}`;
      const ts = now();
      const body = JSON.stringify({ type: 'item.updated', data: { id: msgId } });
      return post(`/webhooks/sandbox/${id}`, body, {
        'content-type': 'application/json',
        'webhook-id': msgId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(body, secret, msgId, ts),
      });
    };
    expect((await send(oldSecret)).status).toBe(200);
    expect((await send(newSecret)).status).toBe(401);

    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { secrets: { webhookSecret: newSecret } } })).status).toBe(200);
    expect((await send(newSecret)).status).toBe(200);
    expect((await send(oldSecret)).status).toBe(200);

    const past = new Date(Date.now() - 1000).toISOString();
    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { secrets: { webhookSecretPreviousExpiresAt: past } } })).status).toBe(200);
    expect((await send(oldSecret)).status).toBe(401);
    expect((await send(newSecret)).status).toBe(200);
    expect(await events(id)).toHaveLength(4);

    // Both signatures in one space-separated header (the sender's own rotation) verify with the new one.
    const msgId = 'msg_both';
    const ts = now();
    const body = '{"type":"item.created"}';
    const both = `${signStandardWebhook(body, oldSecret, msgId, ts)} ${signStandardWebhook(body, newSecret, msgId, ts)}`;
    expect((await post(`/webhooks/sandbox/${id}`, body, { 'webhook-id': msgId, 'webhook-timestamp': String(ts), 'webhook-signature': both })).status).toBe(200);
  });
});

describe('routing never trusts an unverified body field (E.1 step 8)', () => {
  it('rejects an app-level Slack event for a connected team signed with the wrong secret, and stores nothing', async () => {
    const team = `T${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const { id } = await integration('slack');
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { externalAccountId: team, status: 'active' });
    const ts = now();
    const body = JSON.stringify({ type: 'event_callback', team_id: team, event_id: `Ev${ts}`, event: { type: 'tokens_revoked', tokens: { oauth: ['U1'] } } });
    for (const signature of [signSlack(body, 'attacker-secret', ts), signSlack(body, SLACK_APP_SECRET, ts).replace(/.$/, (c) => (c === '0' ? '1' : '0')), '']) {
      const res = await post('/webhooks/slack', body, {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signature,
      });
      expect(res.status).toBe(401);
    }
    expect(await events(id)).toHaveLength(0);
    const state = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect(state.status).toBe('active');

    // A delivery that verifies but names another account than the URL's integration is refused too.
    const { id: own } = await integration('slack', { webhookSecret: 'per-integration-secret' });
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id: own }, { externalAccountId: 'TOWNTEAM' });
    const foreign = JSON.stringify({ type: 'event_callback', team_id: team, event_id: 'EvForeign', event: { type: 'message' } });
    const res = await post(`/webhooks/slack/${own}`, foreign, {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlack(foreign, 'per-integration-secret', ts),
    });
    expect(res.status).toBe(401);
    expect(await events(own)).toHaveLength(0);
    expect(await events(id)).toHaveLength(0);
  });
});
