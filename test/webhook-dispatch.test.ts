import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookEvent } from '../db/entities/index.ts';
import { claimUndispatched, readEventPayload, reclaimStale, releaseClaims } from '../db/repositories/webhook-events.repository.ts';
import { webhookWorkflowId } from '../workflows/webhook.messages.ts';
import { startWebhookDispatcher } from '../workers/webhook-dispatcher.ts';
import { freshDatabase, startTestApi, type TestApi } from './helpers.ts';

// The webhook outbox (DESIGN.md §7): the ingest's group-committed insert, and the dispatchers that start
// one workflow per event. Real PostgreSQL and Temporal; no worker polls these task queues, so a started
// workflow stays visible as Running.

let api: TestApi;
let n = 0;
const event = (integrationId = 'int_dispatch', deliveryId = `msg_${++n}_${Math.random().toString(36).slice(2)}`) => ({
  tenantId: 'ten_dispatch',
  integrationId,
  provider: 'sandbox',
  eventType: 'item.updated',
  deliveryId,
  payload: JSON.stringify({ type: 'item.updated', n }),
});

beforeAll(async () => {
  api = await startTestApi({ env: { DATABASE_URL: await freshDatabase('dispatch') } });
});
afterAll(async () => {
  await api?.close();
});

async function workflowStarted(eventId: string): Promise<boolean> {
  try {
    await api.deps.temporal.client.workflow.getHandle(webhookWorkflowId(eventId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('WebhookEventWriter (group commit)', () => {
  it('commits 300 concurrent events in far fewer statements, each answered only for its own row, payload encrypted', async () => {
    const writer = api.deps.webhookWriter;
    const before = { ...writer.stats };
    const results = await Promise.all(Array.from({ length: 300 }, () => writer.write(event('int_burst'))));
    const batches = writer.stats.batches - before.batches;
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(300);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(30);
    const em = api.deps.orm.em.fork();
    const rows = await em.find(WebhookEvent, { integrationId: 'int_burst' });
    expect(rows).toHaveLength(300);
    const sample = rows[0]!;
    expect(sample.payload.startsWith('enc:')).toBe(true);
    expect(sample.keyId).toBe(api.deps.vault.activeKid);
    expect(JSON.parse(readEventPayload(api.deps.vault, sample))).toMatchObject({ type: 'item.updated' });
    // The same numbers on /metrics.
    const metrics = (await api.request('GET', '/metrics')).body as string;
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect(value('plugboard_webhook_ingest_rows_total')).toBe(writer.stats.rows);
    expect(value('plugboard_webhook_ingest_commit_seconds_count')).toBe(writer.stats.batches);
    expect(value('plugboard_webhook_ingest_queued')).toBe(0);
  });

  it('stores a delivery sent twice in the same batch once and reports the other as a duplicate', async () => {
    const twice = event('int_dupe', 'msg_same');
    const [a, b, c] = await Promise.all([
      api.deps.webhookWriter.write(twice),
      api.deps.webhookWriter.write(twice),
      api.deps.webhookWriter.write(event('int_dupe')),
    ]);
    expect([a!.duplicate, b!.duplicate].sort()).toEqual([false, true]);
    expect(c!.duplicate).toBe(false);
    expect(await api.deps.orm.em.fork().count(WebhookEvent, { integrationId: 'int_dupe', deliveryId: 'msg_same' })).toBe(1);
    // A later redelivery is a duplicate too.
    expect((await api.deps.webhookWriter.write(twice)).duplicate).toBe(true);
  });
});

describe('dispatch claims', () => {
  it('hands concurrent claimers disjoint events (SKIP LOCKED), re-takes only stale claims, and takes back released ones', async () => {
    const written = await Promise.all(Array.from({ length: 40 }, () => api.deps.webhookWriter.write(event('int_claims'))));
    const mine = new Set(written.map((w) => w.eventId));
    // Both ask for more than there is (earlier tests' events included): together they take everything, once.
    const [x, y] = await Promise.all([claimUndispatched(api.deps.orm.em.fork(), 1000), claimUndispatched(api.deps.orm.em.fork(), 1000)]);
    expect(new Set([...x, ...y]).size).toBe(x.length + y.length);
    const claimed = [...x, ...y].filter((id) => mine.has(id));
    expect(claimed.length).toBe(40);
    // Fresh claims are not stale; an old one is.
    expect((await reclaimStale(api.deps.orm.em.fork(), 60_000, 100)).filter((id) => mine.has(id))).toEqual([]);
    const old = claimed[0]!;
    await api.deps.orm.em.getConnection().execute(`update webhook_event set dispatched_at = now() - interval '1 hour' where id = ?`, [old]);
    expect((await reclaimStale(api.deps.orm.em.fork(), 60_000, 100)).filter((id) => mine.has(id))).toEqual([old]);
    await releaseClaims(api.deps.orm.em.fork(), claimed.slice(0, 5));
    expect((await claimUndispatched(api.deps.orm.em.fork(), 100)).filter((id) => mine.has(id)).sort()).toEqual(claimed.slice(0, 5).sort());
  });
});

describe('webhook dispatcher', () => {
  const dispatcher = (overrides: { sweepIntervalMs?: number; leaseMs?: number } = {}) =>
    startWebhookDispatcher({
      orm: api.deps.orm,
      databaseUrl: api.deps.env.DATABASE_URL!,
      client: api.deps.temporal.client,
      taskQueue: api.deps.temporal.queues.webhooks,
      logger: api.deps.logger,
      sweepIntervalMs: overrides.sweepIntervalMs ?? 60_000,
      leaseMs: overrides.leaseMs ?? 60_000,
    });

  it('is woken by the insert (not the sweep) and starts the workflow within a couple of seconds', async () => {
    const d = dispatcher({ sweepIntervalMs: 600_000 });
    try {
      // Let the startup drain take the earlier tests' events; the next sweep is 10 minutes away.
      const em = api.deps.orm.em.fork();
      await until('the backlog dispatched', async () => (await em.count(WebhookEvent, { status: 'pending', dispatchedAt: null })) === 0);
      await new Promise((r) => setTimeout(r, 200));
      const t = Date.now();
      const { eventId } = await api.deps.webhookWriter.write(event('int_notify'));
      await until('the workflow of the new event', () => workflowStarted(eventId));
      expect(Date.now() - t).toBeLessThan(3000);
      const row = await api.deps.orm.em.fork().findOneOrFail(WebhookEvent, { id: eventId });
      expect(row.dispatchedAt).toBeInstanceOf(Date);
    } finally {
      await d.stop();
    }
  });

  it('two dispatchers sharing the queue start a workflow for each of 200 events, with no failed start', async () => {
    const written = await Promise.all(Array.from({ length: 200 }, () => api.deps.webhookWriter.write(event('int_pair'))));
    const [a, b] = [dispatcher(), dispatcher()];
    try {
      await until('all 200 workflows started', async () => (await Promise.all(written.map((w) => workflowStarted(w.eventId)))).every(Boolean));
      const em = api.deps.orm.em.fork();
      expect(await em.count(WebhookEvent, { integrationId: 'int_pair', dispatchedAt: null })).toBe(0);
      // A second start of the same event would be refused by Temporal (workflow id), not logged as a failure.
      expect(api.logs.lines.filter((l) => l.includes('webhook workflows not started'))).toEqual([]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('re-takes a claim left behind by a dispatcher that died between claim and start', async () => {
    const { eventId } = await api.deps.webhookWriter.write(event('int_orphan'));
    // What a crash leaves: claimed long ago, still pending, no workflow.
    await api.deps.orm.em.getConnection().execute(`update webhook_event set dispatched_at = now() - interval '10 minutes' where id = ?`, [eventId]);
    expect(await workflowStarted(eventId)).toBe(false);
    const d = dispatcher({ sweepIntervalMs: 200, leaseMs: 1000 });
    try {
      await until('the orphaned event started', () => workflowStarted(eventId));
    } finally {
      await d.stop();
    }
  });
});
