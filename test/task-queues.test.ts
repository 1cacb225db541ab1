/**
 * Workload isolation: connection work runs on its own task queue and worker slots, so a saturated webhook
 * queue does not delay a refresh (workflows/task-queues.ts, workers/create-worker.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsQueueFrom, taskQueueOf, taskQueuesOf } from '../workflows/task-queues.ts';
import { WebhookEvent } from '../db/entities/index.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

describe('task queue names', () => {
  it('derives one queue per workload from TEMPORAL_TASK_QUEUE and moves old runs to the connections queue', () => {
    expect(taskQueuesOf('plugboard')).toEqual({ connections: 'plugboard-connections', webhooks: 'plugboard-webhooks', sync: 'plugboard-sync' });
    expect(taskQueueOf('x', 'sync')).toBe('x-sync');
    expect(connectionsQueueFrom('plugboard')).toBe('plugboard-connections');
    expect(connectionsQueueFrom('plugboard-connections')).toBe('plugboard-connections');
  });
});

describe('workload isolation', () => {
  let api: TestApi;
  // A forwarding target that holds every request until released: each held delivery occupies a webhook slot.
  const held: ServerResponse[] = [];
  const receiver = createServer((_req: IncomingMessage, res: ServerResponse) => void held.push(res));
  const release = () => held.splice(0).forEach((res) => res.writeHead(200).end('ok'));

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    // One activity slot for webhook work: a single slow forward saturates that queue.
    api = await startTestApi({ worker: true, env: { PLUGBOARD_WORKER_SLOTS: 'webhooks:1/2' } });
  });
  afterAll(async () => {
    release();
    receiver.closeAllConnections();
    receiver.close();
    await api?.close();
  });

  it('refreshes a connection at once while the webhook queue is saturated by slow forwards', async () => {
    const { apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
    const id = created.body.data.id as string;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    await new ScriptedBrowser().connect(started.body.data.connectUrl);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('active');

    const address = receiver.address() as { port: number };
    const patched = await api.request('PATCH', `/api/v1/integrations/${id}`, {
      key,
      body: { settings: { forwardUrl: `http://127.0.0.1:${address.port}/hook` } },
    });
    expect(patched.status).toBe(200);
    expect((await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key })).status).toBeLessThan(300);
    for (let i = 0; i < 4; i++) expect((await api.request('POST', `/api/v1/integrations/${id}/test-event`, { key })).status).toBe(202);
    // The webhook queue's only activity slot is now taken by a forward that does not return.
    const deadline = Date.now() + 20_000;
    while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(held.length).toBe(1);

    const grantsBefore = api.deps.sandbox!.control.stats.refreshGrants;
    const t0 = Date.now();
    const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    const elapsed = Date.now() - t0;
    expect(refreshed.status).toBe(200);
    expect(api.deps.sandbox!.control.stats.refreshGrants).toBe(grantsBefore + 1);
    // On one shared queue this refresh waits for the held forward's 30 s timeout.
    expect(elapsed).toBeLessThan(5_000);
    // Still saturated: the refresh did not get through because the webhook work had finished.
    expect(held.length).toBe(1);
  });
});

describe('a webhook flood', () => {
  let api: TestApi;
  // The tenant's receiver answers after 5 ms, so the drain lasts a few seconds; it records what arrives, in order.
  const arrivals = new Map<string, number[]>();
  const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { integrationId: string; data: { n: number } };
      arrivals.set(event.integrationId, [...(arrivals.get(event.integrationId) ?? []), event.data.n]);
      setTimeout(() => res.writeHead(204).end(), 5);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    api = await startTestApi({ worker: true });
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    receiver.close();
    await api?.close();
  });

  it('lets a connect and a refresh through promptly during its drain, then every event is delivered once, in order', async () => {
    // Two flooded integrations, one tenant each, forwarding to the receiver: 3,000 events wait in the outbox.
    const forwardUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const flooded: { id: string; tenantId: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const { apiKey: key, tenantId } = await api.newTenant();
      const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox', settings: { forwardUrl } } });
      expect((await api.request('POST', `/api/v1/integrations/${created.body.data.id}/forwarding-secret`, { key })).status).toBeLessThan(300);
      flooded.push({ id: created.body.data.id, tenantId });
    }
    const floodedIds = flooded.map((f) => f.id);
    for (let n = 0; n < 3000; n += 200) {
      // Sequential per integration, as a provider delivers: arrival order is the order of n.
      await Promise.all(
        flooded.map(async (f, k) => {
          for (let i = n + k; i < n + 200; i += 2)
            await api.deps.webhookWriter.write({
              tenantId: f.tenantId,
              integrationId: f.id,
              provider: 'sandbox',
              eventType: 'item.updated',
              deliveryId: `msg_flood_${i}`,
              payload: JSON.stringify({ type: 'item.updated', data: { n: i } }),
            });
        }),
      );
    }

    // During the drain: connect another tenant's sandbox integration, then refresh it.
    const { apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
    const id = created.body.data.id as string;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    let t = Date.now();
    const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl);
    const connectMs = Date.now() - t;
    expect(callback.headers.get('location')).toContain('connect=connected');
    t = Date.now();
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(200);
    const refreshMs = Date.now() - t;
    const em = api.deps.orm.em.fork();
    const pendingAfter = await em.count(WebhookEvent, { integrationId: { $in: floodedIds }, status: 'pending' });
    expect(pendingAfter).toBeGreaterThan(0); // the connect and the refresh really happened during the drain
    expect(connectMs).toBeLessThan(3000);
    expect(refreshMs).toBeLessThan(3000);

    const deadline = Date.now() + 90_000;
    while ((await em.count(WebhookEvent, { integrationId: { $in: floodedIds }, status: { $ne: 'processed' } })) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const rows = await api.deps.orm.em.fork().find(WebhookEvent, { integrationId: { $in: floodedIds } });
    expect(rows).toHaveLength(3000);
    expect(rows.filter((r) => r.status !== 'processed')).toEqual([]);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    // Delivered once each, in arrival order per integration.
    for (const f of flooded) {
      const got = arrivals.get(f.id) ?? [];
      expect(got).toHaveLength(1500);
      expect(got.filter((n, i) => i > 0 && n <= got[i - 1]!).map((n) => [n, got[got.indexOf(n) - 1]])).toEqual([]);
    }
    // A handful of workflow runs and wake-ups carried the flood, not one workflow per event.
    const runs: string[] = [];
    for await (const wf of api.deps.temporal.client.workflow.list({ query: `WorkflowType = 'webhookBatchWorkflow'` }))
      if (floodedIds.some((f) => wf.workflowId.endsWith(f))) runs.push(wf.workflowId);
    expect(runs.length).toBeLessThanOrEqual(6);
  }, 150_000);
});
