/**
 * Workload isolation: connection work runs on its own task queue and worker slots, so a saturated webhook
 * queue does not delay a refresh (workflows/task-queues.ts, workers/create-worker.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsQueueFrom, taskQueueOf, taskQueuesOf } from '../workflows/task-queues.ts';
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
