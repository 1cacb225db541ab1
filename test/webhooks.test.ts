import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration, WebhookEvent } from '../db/entities/index.ts';
import { signGithub, signSlack, verifyStandardWebhook } from '../lib/webhooks/signatures.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_SLACK_WEBHOOK_SECRET: 'slack-app-signing-secret' } });
});
afterAll(async () => {
  await api?.close();
});

async function integration(provider: string, secrets: Record<string, string> = {}, settings: Record<string, unknown> = {}) {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider, secrets, settings } });
  expect(created.status).toBe(201);
  return { key, id: created.body.data.id as string };
}

async function waitForEvent(key: string, eventId: string, statuses: string[] = ['processed', 'failed'], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/api/v1/webhook-events/${eventId}`, { key });
    if (statuses.includes(res.body.data?.status)) return res.body.data;
    if (Date.now() > deadline) throw new Error(`event ${eventId} stayed ${res.body.data?.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function github(id: string, body: string, secret: string, delivery = randomUUID()) {
  return fetch(`${api.url}/webhooks/github/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signGithub(body, secret) },
    body,
  });
}

async function storedCount(integrationId: string) {
  return api.deps.orm.em.fork().count(WebhookEvent, { integrationId });
}

describe('webhook ingest', () => {
  it('stores a verified GitHub delivery before the ack, processes it, and acknowledges a duplicate without a second event', async () => {
    const { key, id } = await integration('github', { webhookSecret: 'gh-secret' });
    const body = JSON.stringify({ ref: 'refs/heads/main', installation: { id: 42 } });
    const delivery = randomUUID();
    const first = await github(id, body, 'gh-secret', delivery);
    expect(first.status).toBe(200);
    const { eventId } = (await first.json()) as { eventId: string };
    const processed = await waitForEvent(key, eventId);
    expect(processed).toMatchObject({ status: 'processed', eventType: 'push', deliveryId: delivery });
    const again = await github(id, body, 'gh-secret', delivery);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await storedCount(id)).toBe(1);
  });

  it('answers 401 and stores nothing for a changed byte, re-serialised JSON, a wrong secret or a missing header', async () => {
    const { id } = await integration('github', { webhookSecret: 'gh-secret' });
    const body = '{"a": 1,  "b": [1, 2]}';
    const sig = signGithub(body, 'gh-secret');
    const attempts = [
      { body: body.replace('1', '2'), sig },
      { body: JSON.stringify(JSON.parse(body)), sig },
      { body, sig: signGithub(body, 'other') },
      { body, sig: undefined },
    ];
    for (const a of attempts) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID() };
      if (a.sig) headers['x-hub-signature-256'] = a.sig;
      const res = await fetch(`${api.url}/webhooks/github/${id}`, { method: 'POST', headers, body: a.body });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'invalid_signature', message: 'Webhook verification failed.' } });
    }
    expect(await storedCount(id)).toBe(0);
  });

  it('answers 413 beyond the provider limit and 404 for unknown endpoints', async () => {
    const { id } = await integration('sandbox');
    const big = 'x'.repeat(1024 * 1024 + 10);
    expect((await fetch(`${api.url}/webhooks/sandbox/${id}`, { method: 'POST', body: big })).status).toBe(413);
    expect((await fetch(`${api.url}/webhooks/sandbox/int_00000000000000000000000000`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${api.url}/webhooks/nope/${id}`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('processes a sandbox test event (Standard Webhooks) end to end', async () => {
    const { key, id } = await integration('sandbox');
    const sent = await api.request('POST', `/api/v1/integrations/${id}/test-event`, { key });
    expect(sent.status).toBe(202);
    const event = await waitForEvent(key, sent.body.data.eventId);
    expect(event).toMatchObject({ status: 'processed', eventType: 'item.updated', provider: 'sandbox' });
    const detail = await api.request('GET', `/api/v1/webhook-events/${event.id}`, { key });
    expect(detail.body.data.payload.data.title).toBe('Test event from the sandbox');
    const list = await api.request('GET', `/api/v1/webhook-events?integrationId=${id}&status=processed`, { key });
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([event.id]);
  });

  it('counts processed and failed events in the tenant’s webhook success rate', async () => {
    const { key, id } = await integration('sandbox');
    const before = await api.request('GET', '/api/v1/stats', { key });
    expect(before.body.data.webhookSuccessRate).toMatchObject({ value: null, numerator: 0, denominator: 0, target: 0.98 });
    const sent = await api.request('POST', `/api/v1/integrations/${id}/test-event`, { key });
    await waitForEvent(key, sent.body.data.eventId);
    const after = await api.request('GET', '/api/v1/stats', { key });
    expect(after.body.data.webhookSuccessRate).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
    expect(after.body.data.integrationUptime).toMatchObject({ numerator: 0, denominator: 0 });
  });

  it('agrees on one webhook secret when many test events race to create it', async () => {
    const { key, id } = await integration('sandbox');
    const sent = await Promise.all(Array.from({ length: 10 }, () => api.request('POST', `/api/v1/integrations/${id}/test-event`, { key })));
    expect(sent.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(new Set(sent.map((r) => r.body.data.eventId)).size).toBe(10);
  });

  it('routes an app-level Slack event by team_id after verifying with the app secret, and a revocation marks the integration', async () => {
    const { key, id } = await integration('slack');
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { externalAccountId: 'T0TEAM1', status: 'active' });
    const ts = Math.floor(Date.now() / 1000);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    const hs = await fetch(`${api.url}/webhooks/slack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlack(challenge, 'slack-app-signing-secret', ts),
      },
      body: challenge,
    });
    expect(hs.status).toBe(200);
    expect(await hs.text()).toBe('abc123');

    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0TEAM1',
      event_id: 'Ev123',
      event: { type: 'tokens_revoked', tokens: { oauth: ['U1'] } },
    });
    const res = await fetch(`${api.url}/webhooks/slack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlack(body, 'slack-app-signing-secret', ts),
      },
      body,
    });
    expect(res.status).toBe(200);
    const { eventId } = (await res.json()) as { eventId: string };
    await waitForEvent(key, eventId);
    const state = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(state.body.data.status).toBe('error');
    expect(state.body.data.lastError).toMatch(/revoked access/);

    const stale = await fetch(`${api.url}/webhooks/slack`, {
      method: 'POST',
      headers: { 'x-slack-request-timestamp': String(ts - 301), 'x-slack-signature': signSlack(body, 'slack-app-signing-secret', ts - 301) },
      body,
    });
    expect(stale.status).toBe(401);
  });
});

describe('forwarding to the tenant', () => {
  let receiver: Server;
  let url: string;
  const script: { status: number; headers?: Record<string, string> }[] = [];
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const next = script.shift() ?? { status: 200 };
        res.writeHead(next.status, next.headers).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  });
  afterAll(() => receiver.close());

  it('delivers once after 429 (Retry-After) and 500, signed with Standard Webhooks, recording attempts', async () => {
    const { key, id } = await integration('sandbox', {}, { forwardUrl: url });
    const secret = (await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key })).body.data.forwardSecret;
    script.length = 0;
    received.length = 0;
    script.push({ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }, { status: 200 });
    const sent = await api.request('POST', `/api/v1/integrations/${id}/test-event`, { key });
    const event = await waitForEvent(key, sent.body.data.eventId, ['processed', 'failed'], 45_000);
    expect(event.status).toBe('processed');
    expect(event.attempts).toBe(3);
    expect(received).toHaveLength(3);
    const last = received[2]!;
    const ok = verifyStandardWebhook(
      Buffer.from(last.body),
      { id: String(last.headers['webhook-id']), timestamp: String(last.headers['webhook-timestamp']), signature: String(last.headers['webhook-signature']) },
      [secret],
      Math.floor(Date.now() / 1000),
    );
    expect(ok).toBe(true);
    expect(JSON.parse(last.body)).toMatchObject({ id: event.id, type: 'item.updated', integrationId: id });
  }, 60_000);

  it('marks the event failed without retries when the receiver answers 400, and a manual retry runs again', async () => {
    const { key, id } = await integration('sandbox', {}, { forwardUrl: url });
    await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key });
    script.length = 0;
    received.length = 0;
    script.push({ status: 400 });
    const sent = await api.request('POST', `/api/v1/integrations/${id}/test-event`, { key });
    const event = await waitForEvent(key, sent.body.data.eventId);
    expect(event).toMatchObject({ status: 'failed', attempts: 1 });
    expect(event.errorMessage).toMatch(/HTTP 400/);
    expect(received).toHaveLength(1);
    const retried = await api.request('POST', `/api/v1/webhook-events/${event.id}/retry`, { key });
    expect(retried.status).toBe(202);
    const again = await waitForEvent(key, event.id, ['processed']);
    expect(again.attempts).toBe(2);
  }, 60_000);
});
