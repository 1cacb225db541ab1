/**
 * Fairness across tenants on Temporal's task queues (docs/architecture.md "Fairness across tenants"): every
 * workflow a tenant's work starts carries the tenant as fairness key, and the embedded server dispatches
 * backlogged tasks round-robin across keys. So when one tenant's batches fill the webhooks queue's slots, another
 * tenant's batch runs next, not after the whole backlog. Real API, worker, dispatcher, PostgreSQL and Temporal
 * (scripts/services.ts TEMPORAL_DYNAMIC_CONFIG); the receivers are real HTTP servers on loopback.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { eventEndpointWorkflowId } from '../workflows/event-endpoint.messages.ts';
import { webhookBatchWorkflowId } from '../workflows/webhook.messages.ts';
import { startTestEventDispatcher } from './event-receiver.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';
import { eventEndpoint, sandboxIntegration, sendSandboxWebhook } from './sandbox-webhooks.ts';

/** One webhooks activity slot: every batch but the running one waits in Temporal's queue. */
const SLOTS = 'webhooks:1';
/** The busy tenant's event endpoints, and how long their receiver takes per delivery. */
const BUSY_ENDPOINTS = 18;
const BUSY_RECEIVER_MS = 300;

let api: TestApi;
let relay: { stop: () => Promise<void> };

/** A receiver that records each delivery (its path and webhook-id) and answers 200 after `delayMs`. */
async function startReceiver(delayMs: number): Promise<{ url: string; ids: string[]; close(): Promise<void> }> {
  const ids: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      ids.push(`${req.url} ${String(req.headers['webhook-id'])}`);
      setTimeout(() => res.writeHead(200).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    ids,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The fairness key a workflow's latest run carries (empty: none). */
async function fairnessKeyOf(workflowId: string): Promise<string> {
  const described = await api.deps.temporal.client.workflow.getHandle(workflowId).describe();
  return described.raw.workflowExecutionInfo?.priority?.fairnessKey ?? '';
}

beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_WORKER_SLOTS: SLOTS } });
  relay = startTestEventDispatcher(api);
});
afterAll(async () => {
  await relay?.stop();
  await api?.close();
});

describe('fairness across tenants', () => {
  it("another tenant's work runs next, not behind one tenant's backlog on the webhooks queue", async () => {
    const busyTenant = await api.newTenant('Busy');
    const quietTenant = await api.newTenant('Quiet');
    const slow = await startReceiver(BUSY_RECEIVER_MS);
    const fast = await startReceiver(0);
    try {
      // The busy tenant: one integration, and eighteen event endpoints whose receiver takes 300 ms. One webhook
      // makes a webhook.received event for each endpoint: eighteen delivery batches, one slot.
      const busy = await sandboxIntegration(api, busyTenant.apiKey);
      const endpoints: string[] = [];
      for (let i = 0; i < BUSY_ENDPOINTS; i++) endpoints.push(await eventEndpoint(api, busyTenant.apiKey, `${slow.url}/${i}`, ['webhook.received']));
      // The quiet tenant: one integration, one endpoint whose receiver answers at once.
      const quiet = await sandboxIntegration(api, quietTenant.apiKey);
      await eventEndpoint(api, quietTenant.apiKey, fast.url, ['webhook.received']);

      await sendSandboxWebhook(api, busy, 1);
      // Every busy delivery is in Temporal's queue (its batch activity scheduled) before the quiet tenant's webhook.
      await until(
        async () => {
          for (const id of endpoints) {
            const history = await api.deps.temporal.client.workflow
              .getHandle(eventEndpointWorkflowId(id))
              .fetchHistory()
              .catch(() => undefined);
            if (!history?.events?.some((e) => e.activityTaskScheduledEventAttributes)) return false;
          }
          return true;
        },
        20_000,
        "every busy endpoint's delivery batch scheduled",
      );
      // At least ten still queued, so first in, first out would make the quiet tenant wait for all of them.
      const busyBefore = slow.ids.length;
      expect(busyBefore).toBeLessThanOrEqual(BUSY_ENDPOINTS - 10);

      // The quiet tenant's webhook needs two tasks on that queue: its batch, then its endpoint's delivery.
      const acked = Date.now();
      await sendSandboxWebhook(api, quiet, 1);
      await until(() => fast.ids.length > 0, 30_000, "the quiet tenant's event delivered");
      const latency = Date.now() - acked;
      const busyMeanwhile = slow.ids.length - busyBefore;
      // First in, first out both would wait for the whole backlog (up to eighteen batches of 300 ms, 5.4 s); with
      // the tenants' fairness keys each runs after one or two of the busy tenant's (measured: 4 delivered by then).
      expect(busyMeanwhile).toBeLessThanOrEqual(5);
      expect(latency).toBeLessThan(4_000);

      // Every busy delivery is still made, once to each endpoint.
      await until(() => slow.ids.length >= BUSY_ENDPOINTS, 30_000, 'the busy deliveries made');
      expect(new Set(slow.ids).size).toBe(BUSY_ENDPOINTS);
      expect(slow.ids).toHaveLength(BUSY_ENDPOINTS);

      // The workflows carry their tenant's key.
      expect(await fairnessKeyOf(webhookBatchWorkflowId(quiet.id))).toBe(quietTenant.tenantId);
      expect(await fairnessKeyOf(webhookBatchWorkflowId(busy.id))).toBe(busyTenant.tenantId);
      expect(await fairnessKeyOf(eventEndpointWorkflowId(endpoints[0]!))).toBe(busyTenant.tenantId);
    } finally {
      await Promise.all([slow.close(), fast.close()]);
    }
  }, 90_000);

  it("a connection's workflow and an event endpoint's workflow carry their tenant's fairness key", async () => {
    const { tenantId, apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    expect(started.status).toBe(201);
    expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    await until(async () => (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status === 'active', 30_000, 'the integration active');
    expect(await fairnessKeyOf(connectionWorkflowId(id))).toBe(tenantId);

    const receiver = await startReceiver(0);
    try {
      const endpointId = await eventEndpoint(api, key, receiver.url, ['integration.disconnected']);
      // A status change makes a tenant event; its delivery starts the endpoint's workflow.
      expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBe(200);
      await until(() => receiver.ids.length > 0, 30_000, 'the tenant event delivered');
      expect(await fairnessKeyOf(eventEndpointWorkflowId(endpointId))).toBe(tenantId);
    } finally {
      await receiver.close();
    }
  }, 90_000);
});
