/**
 * Tenant lifecycle events (issue 14 items 1–3): event endpoints, events emitted by the real connection flows through
 * the PostgreSQL outbox, and Svix-like delivery by the `event-endpoint:<id>` workflows — against real PostgreSQL,
 * Temporal, the sandbox authorization server and a real HTTP receiver that verifies every signature with the
 * `standardwebhooks` reference library.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { eventEndpointWorkflowId } from '../workflows/event-endpoint.messages.ts';
import { startEventReceiver, startTestEventDispatcher, type EventReceiver, type ReceivedRequest } from './event-receiver.ts';
import { historyStrings, startTestApi, until, type TestApi } from './helpers.ts';
import { signSlack } from '../lib/webhooks/signatures.ts';
import { ScriptedBrowser } from './oauth-browser.ts';

/** A real HTTP receiver: records every request; each path answers from its script, then 200. */
let receiver: EventReceiver;
let received: ReceivedRequest[];
let receiverUrl: string;

// Short schedule for the test (production: 0,5s,5m,30m,2h,5h,10h,10h); the overdue sweep runs often.
const SCHEDULE = '0,4s,4s';
let api: TestApi;
let dispatcher: { stop: () => Promise<void> };

beforeAll(async () => {
  receiver = await startEventReceiver();
  received = receiver.received;
  receiverUrl = receiver.url;
  api = await startTestApi({ worker: true, env: { PLUGBOARD_EVENT_RETRY_SCHEDULE: SCHEDULE, PLUGBOARD_SWEEP_INTERVAL_MS: '1000' } });
  dispatcher = startTestEventDispatcher(api);
}, 60_000);
afterAll(async () => {
  await dispatcher?.stop();
  await api?.close();
  await receiver?.close();
});

async function newEndpoint(key: string, path: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const res = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url: `${receiverUrl}${path}`, description: path, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id, secret: res.body.data.secret };
}

/** The envelope, verified with the reference library for each secret (every one must verify). */
function verified(r: ReceivedRequest, ...secrets: string[]): { type: string; timestamp: string; data: Record<string, any> } {
  let payload: unknown;
  for (const secret of secrets) payload = new Webhook(secret).verify(r.body, r.headers);
  return payload as never;
}

const at = (path: string) => received.filter((r) => r.path === path);

/** Emits an event as the flows do: on an EntityManager, written by its flush (the outbox). */
async function emit(tenantId: string, type: 'integration.connected' | 'integration.refresh_failing', data: Record<string, unknown>) {
  const em = api.deps.orm.em.fork();
  const event = await emitTenantEvent(em, api.deps.vault, { tenantId, type, data });
  await em.flush();
  return event!;
}

async function sandboxIntegration(key: string): Promise<string> {
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  expect(created.status).toBe(201);
  return created.body.data.id;
}

async function connect(key: string, id: string): Promise<void> {
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status).toBe(201);
  expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
}

describe('event endpoints API', () => {
  it('creates an endpoint with a whsec_ secret shown once, lists and updates it, refuses bad input with a code, and hides it from other tenants', async () => {
    const { apiKey: key } = await api.newTenant();
    const { apiKey: other } = await api.newTenant();
    const { id, secret } = await newEndpoint(key, '/crud', { eventTypes: ['integration.connected'] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await api.request('GET', '/api/v1/event-endpoints', { key });
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ id, enabled: true, eventTypes: ['integration.connected'], description: '/crud' });
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6, 20));
    expect(JSON.stringify((await api.request('GET', `/api/v1/event-endpoints/${id}`, { key })).body)).not.toContain(secret.slice(6, 20));

    const patched = await api.request('PATCH', `/api/v1/event-endpoints/${id}`, { key, body: { eventTypes: null, description: 'all events' } });
    expect(patched.body.data).toMatchObject({ eventTypes: null, description: 'all events' });

    const bad = [
      [{ url: 'ftp://example.com/x' }, 'validation_failed', /url/],
      [{ url: `${receiverUrl}/x`, eventTypes: ['integration.exploded'] }, 'validation_failed', /eventTypes/],
      [{ url: `${receiverUrl}/x`, secret: 'whsec_mine' }, 'validation_failed', /secret/],
    ] as const;
    for (const [body, code, message] of bad) {
      const res = await api.request('POST', '/api/v1/event-endpoints', { key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(message);
    }
    for (const [method, path] of [
      ['GET', `/api/v1/event-endpoints/${id}`],
      ['PATCH', `/api/v1/event-endpoints/${id}`],
      ['POST', `/api/v1/event-endpoints/${id}/rotate-secret`],
      ['DELETE', `/api/v1/event-endpoints/${id}`],
      ['GET', `/api/v1/event-endpoints/${id}/deliveries`],
    ] as const) {
      const res = await api.request(method, path, { key: other, body: method === 'PATCH' ? { description: 'mine' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await api.request('DELETE', `/api/v1/event-endpoints/${id}`, { key })).status).toBe(204);
    expect((await api.request('GET', `/api/v1/event-endpoints/${id}`, { key })).status).toBe(404);
  });
});

describe('lifecycle events from the real flows', () => {
  it('sends integration.connected when the sandbox connects and integration.disconnected on disconnect, signed, with no token in them (REQ-19)', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const { id: endpointId, secret } = await newEndpoint(key, '/lifecycle');
    const id = await sandboxIntegration(key);
    await connect(key, id);
    const connected = await until(() => at('/lifecycle').find((r) => verified(r, secret).type === 'integration.connected'), 20_000, 'integration.connected');
    const payload = verified(connected, secret);
    expect(payload.data).toMatchObject({ integrationId: id, provider: 'sandbox', status: 'active' });
    expect(Date.parse(payload.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(connected.headers['webhook-id']).toMatch(/^msg_/);

    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id, tenantId });
    const tokens = readCredentials(api.deps.vault, row)!;
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
    const disconnected = await until(
      () => at('/lifecycle').find((r) => verified(r, secret).type === 'integration.disconnected'),
      20_000,
      'integration.disconnected',
    );
    expect(verified(disconnected, secret).data).toMatchObject({ integrationId: id, status: 'disconnected' });
    for (const r of at('/lifecycle')) {
      expect(r.body).not.toContain(tokens.accessToken);
      expect(r.body).not.toContain(tokens.refreshToken);
    }
    // Every delivery and attempt is listed.
    const deliveries = await api.request('GET', `/api/v1/event-endpoints/${endpointId}/deliveries`, { key });
    expect(deliveries.body.data.map((d: { eventType: string; status: string }) => [d.eventType, d.status])).toEqual([
      ['integration.disconnected', 'delivered'],
      ['integration.connected', 'delivered'],
    ]);
    const attempts = await api.request('GET', `/api/v1/event-endpoints/${endpointId}/deliveries/${deliveries.body.data[0].id}/attempts`, { key });
    expect(attempts.body.data).toEqual([
      expect.objectContaining({ statusCode: 200, responseExcerpt: '{"ok":true}', error: null, latencyMs: expect.any(Number) }),
    ]);
    for (const line of api.logs.lines) expect(line).not.toContain(secret.slice(6));
  }, 60_000);

  it('sends integration.reauthorization_required with a fresh connect link once the grant is revoked; the link reconnects', async () => {
    const { apiKey: key } = await api.newTenant();
    const { id: endpointId, secret } = await newEndpoint(key, '/reauth', { eventTypes: ['integration.reauthorization_required'] });
    const id = await sandboxIntegration(key);
    await connect(key, id);
    await api.deps.sandbox!.control.revokeAllGrants();
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(409);
    const event = await until(() => at('/reauth')[0], 20_000, 'integration.reauthorization_required');
    const payload = verified(event, secret);
    expect(payload.type).toBe('integration.reauthorization_required');
    expect(payload.data).toMatchObject({ integrationId: id, status: 'error', reason: expect.stringMatching(/Reauthorization required/) });
    expect(payload.data.connectUrl).toMatch(new RegExp(`^${api.url}/oauth/connect/[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(payload.data.connectUrlExpiresAt)).toBeGreaterThan(Date.now());
    // Only the subscribed type came, and the link is a secret: not in Temporal history (REQ-19).
    expect(at('/reauth')).toHaveLength(1);
    const history = await api.deps.temporal.client.workflow.getHandle(eventEndpointWorkflowId(endpointId)).fetchHistory();
    for (const text of historyStrings(history)) expect(text).not.toContain(payload.data.connectUrl.split('/').pop());

    expect((await new ScriptedBrowser().connect(payload.data.connectUrl)).status).toBe(303);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('active');
  }, 60_000);
});

describe('delivery like Svix', () => {
  it('retries a 500 on the schedule, honours a 429 Retry-After, and never lets a failing delivery hold back later ones', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const { id: endpointId, secret } = await newEndpoint(key, '/flaky');
    receiver.script('/flaky', [{ status: 500, body: 'receiver broke' }]);
    const first = await emit(tenantId, 'integration.connected', { n: 1 });
    await until(() => at('/flaky').length >= 1, 20_000, 'the first attempt');
    const second = await emit(tenantId, 'integration.connected', { n: 2 });
    await until(() => at('/flaky').length >= 3, 20_000, 'the retry');
    const ids = at('/flaky').map((r) => r.headers['webhook-id']);
    // The second event went out while the first waited for its retry (4 s); then the first, same webhook-id.
    expect(ids).toEqual([first.id, second.id, first.id]);
    const [a, , c] = at('/flaky');
    expect(c!.at - a!.at).toBeGreaterThanOrEqual(3_500);
    for (const r of at('/flaky')) verified(r, secret);

    const deliveries = (await api.request('GET', `/api/v1/event-endpoints/${endpointId}/deliveries`, { key })).body.data;
    const firstDelivery = deliveries.find((d: { eventId: string }) => d.eventId === first.id);
    expect(firstDelivery).toMatchObject({ status: 'delivered', attempts: 2 });
    const attempts = (await api.request('GET', `/api/v1/event-endpoints/${endpointId}/deliveries/${firstDelivery.id}/attempts`, { key })).body.data;
    expect(attempts.map((x: { statusCode: number }) => x.statusCode)).toEqual([500, 200]);
    expect(attempts[0].responseExcerpt).toBe('receiver broke');

    receiver.script('/limited', [{ status: 429, headers: { 'retry-after': '1' } }]);
    await newEndpoint(key, '/limited');
    await emit(tenantId, 'integration.connected', { n: 3 });
    await until(() => at('/limited').length >= 2, 20_000, 'the attempt after Retry-After');
    const gap = at('/limited')[1]!.at - at('/limited')[0]!.at;
    // Retry-After: 1 wins over the schedule's 4 s.
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(3_500);
  }, 60_000);

  it('holds the deliveries of an endpoint the tenant disabled (replayed meanwhile) unclaimed and unswept, and sends them once it is enabled again', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const paused = await newEndpoint(key, '/paused');
    const first = await emit(tenantId, 'integration.connected', { n: 'before the pause' });
    await until(() => at('/paused')[0], 20_000, 'the first delivery');
    expect((await api.request('PATCH', `/api/v1/event-endpoints/${paused.id}`, { key, body: { enabled: false } })).status).toBe(200);
    const since = new Date(first.createdAt.getTime() - 1000).toISOString();
    const replay = await api.request('POST', `/api/v1/event-endpoints/${paused.id}/replay`, { key, body: { since } });
    expect(replay.status).toBe(202);
    expect(replay.body.data).toMatchObject({ requeued: 1 });
    // Several relay sweeps (1 s apart) later: neither claimed nor sent, so no workflow is woken for it in a loop.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const rows = await api.deps.orm.em.fork().getConnection().execute(`select status, dispatched_at from event_delivery where endpoint_id = ?`, [paused.id]);
    expect(rows).toEqual([{ status: 'pending', dispatched_at: null }]);
    expect(at('/paused')).toHaveLength(1);
    expect((await api.request('PATCH', `/api/v1/event-endpoints/${paused.id}`, { key, body: { enabled: true } })).status).toBe(200);
    const again = await until(() => at('/paused')[1], 20_000, 'the held delivery after re-enabling');
    expect(again.headers['webhook-id']).toBe(first.id);
  }, 60_000);

  it('disables an endpoint that answers 410 and tells the other endpoints (endpoint.disabled); re-enabled, a replay since T re-sends', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const gone = await newEndpoint(key, '/gone');
    const watcher = await newEndpoint(key, '/watcher', { eventTypes: ['endpoint.disabled'] });
    receiver.script('/gone', [{ status: 410 }]);
    const early = await emit(tenantId, 'integration.connected', { n: 'early' });
    const notice = await until(() => at('/watcher')[0], 20_000, 'endpoint.disabled');
    expect(verified(notice, watcher.secret)).toMatchObject({
      type: 'endpoint.disabled',
      data: { endpointId: gone.id, reason: 'the endpoint answered HTTP 410 Gone' },
    });
    const state = (await api.request('GET', `/api/v1/event-endpoints/${gone.id}`, { key })).body.data;
    expect(state).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered HTTP 410 Gone' });
    // Disabled: new events are not written for it.
    await emit(tenantId, 'integration.refresh_failing', { n: 'while disabled' });
    expect((await api.request('GET', `/api/v1/event-endpoints/${gone.id}/deliveries`, { key })).body.data.map((d: { status: string }) => d.status)).toEqual([
      'failed',
    ]);

    // Re-enabled at a working URL: replaying the failed deliveries since before the event re-sends it.
    await api.request('PATCH', `/api/v1/event-endpoints/${gone.id}`, { key, body: { enabled: true, url: `${receiverUrl}/back` } });
    const since = new Date(early.createdAt.getTime() - 1000).toISOString();
    const replay = await api.request('POST', `/api/v1/event-endpoints/${gone.id}/replay`, { key, body: { since, onlyFailed: true } });
    expect(replay.status).toBe(202);
    expect(replay.body.data).toMatchObject({ requeued: 1, more: false });
    const back = await until(() => at('/back')[0], 20_000, 'the replayed delivery');
    expect(back.headers['webhook-id']).toBe(early.id);
    expect(verified(back, gone.secret).data).toEqual({ n: 'early' });

    // Replay of every event since a time after `early`: nothing of before T is sent again.
    const late = await emit(tenantId, 'integration.connected', { n: 'late' });
    await until(() => at('/back').length >= 2, 20_000, 'the late event');
    const everything = await api.request('POST', `/api/v1/event-endpoints/${gone.id}/replay`, {
      key,
      body: { since: new Date(late.createdAt.getTime() - 1).toISOString() },
    });
    expect(everything.body.data.requeued).toBe(1);
    await until(() => at('/back').length >= 3, 20_000, 'the replay of the late event');
    expect(at('/back').map((r) => r.headers['webhook-id'])).toEqual([early.id, late.id, late.id]);
    const bad = await api.request('POST', `/api/v1/event-endpoints/${gone.id}/replay`, { key, body: { since: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/since must be an ISO 8601 date-time/);
  }, 60_000);

  it('disables an endpoint whose attempts have all failed for 5 days (the production default) and tells the others', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const failing = await newEndpoint(key, '/failing-for-days');
    const watcher = await newEndpoint(key, '/watcher-days', { eventTypes: ['endpoint.disabled'] });
    // Its first failure since the last success was 5 days ago (as the clock would have it after a long outage).
    await api.deps.orm.em
      .fork()
      .getConnection()
      .execute(`update event_endpoint set failing_since = now() - interval '5 days 1 minute' where id = ?`, [failing.id]);
    receiver.script('/failing-for-days', [{ status: 503 }]);
    await emit(tenantId, 'integration.connected', { n: 'one more failure' });
    const notice = await until(() => at('/watcher-days')[0], 20_000, 'endpoint.disabled');
    expect(verified(notice, watcher.secret).data).toMatchObject({ endpointId: failing.id, reason: expect.stringMatching(/^every attempt failed since /) });
    expect((await api.request('GET', `/api/v1/event-endpoints/${failing.id}`, { key })).body.data.enabled).toBe(false);
    expect(at('/failing-for-days')).toHaveLength(1);
  }, 60_000);

  it('signs with both the new and the previous secret for 24 h after a rotation', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const { id, secret: before } = await newEndpoint(key, '/rotated');
    const rotated = await api.request('POST', `/api/v1/event-endpoints/${id}/rotate-secret`, { key });
    expect(rotated.status).toBe(201);
    const after = rotated.body.data.secret as string;
    expect(after).not.toBe(before);
    expect(Date.parse(rotated.body.data.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    await emit(tenantId, 'integration.connected', { n: 'rotated' });
    const r = await until(() => at('/rotated')[0], 20_000, 'the delivery after rotation');
    expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // Each secret alone verifies it: receivers switch over whenever they like within the 24 h.
    expect(verified(r, after).data).toEqual({ n: 'rotated' });
    expect(verified(r, before).data).toEqual({ n: 'rotated' });
  }, 60_000);
});

describe('a revocation that only a provider webhook reports', () => {
  it('sends integration.reauthorization_required with a connect link when no connection workflow runs to record it', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const { secret } = await newEndpoint(key, '/revoked-by-webhook');
    const signing = 'tenant-slack-signing-secret';
    const created = await api.request('POST', '/api/v1/integrations', {
      key,
      body: { provider: 'slack', secrets: { clientId: 'tenant-slack-client', clientSecret: 'tenant-slack-client-secret', webhookSecret: signing } },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    // Active, as a finished connect leaves it, but with no connection workflow running (e.g. it ended long ago).
    await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { status: 'active', externalAccountId: 'T0REVOKED' });

    const body = JSON.stringify({ type: 'event_callback', team_id: 'T0REVOKED', event_id: 'EvRevoked1', event: { type: 'app_uninstalled' } });
    const ts = Math.floor(Date.now() / 1000);
    const ack = await fetch(`${api.url}/webhooks/slack/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlack(body, signing, ts) },
      body,
    });
    expect(ack.status).toBe(200);

    const delivery = await until(
      () => at('/revoked-by-webhook').find((r) => verified(r, secret).type === 'integration.reauthorization_required'),
      30_000,
      'integration.reauthorization_required',
    );
    const payload = verified(delivery, secret);
    expect(payload.data).toMatchObject({ integrationId: id, provider: 'slack', status: 'error' });
    expect(payload.data.connectUrl).toMatch(new RegExp(`^${api.url}/oauth/connect/`));
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id, tenantId });
    expect(row.status).toBe('error');
  }, 60_000);
});
