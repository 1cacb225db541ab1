/**
 * Receivers that hang do not take the webhooks queue from other tenants (docs/architecture.md "Slow receivers"):
 * a forward not answered within PLUGBOARD_WEBHOOK_FAST_LANE_MS is abandoned and the integration's batches move to
 * the slow lane, an activity-only queue with its own slots, until a batch there is answered in time. Real API,
 * worker, dispatcher, PostgreSQL and Temporal; the receivers are real HTTP servers on loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDelivery, WebhookEvent } from '../db/entities/index.ts';
import { eventEndpointWorkflowId } from '../workflows/event-endpoint.messages.ts';
import { webhookBatchWorkflowId } from '../workflows/webhook.messages.ts';
import { startTestEventDispatcher } from './event-receiver.ts';
import { slowLaneQueueFrom, taskQueueOf } from '../workflows/task-queues.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';
import { sandboxIntegration, sendSandboxWebhook, type SandboxIntegration } from './sandbox-webhooks.ts';

const FAST_LANE_MS = 500;
// Two webhooks slots: three receivers that hang would hold them all for the 15 s forward timeout without the lanes.
const SLOTS = 'webhooks:2,webhooks-slow:4';

let api: TestApi;

/**
 * A receiver that records each delivery's webhook-id, and answers after `delayMs`, or holds the request until
 * `release()` (then answers 200) while `hanging`.
 */
interface Receiver {
  url: string;
  ids: string[];
  hanging: boolean;
  delayMs: number;
  release(): void;
  close(): Promise<void>;
}

async function startReceiver(options: { hanging?: boolean; delayMs?: number } = {}): Promise<Receiver> {
  const held: ServerResponse[] = [];
  const receiver: Receiver = {
    url: '',
    ids: [],
    hanging: options.hanging ?? false,
    delayMs: options.delayMs ?? 0,
    release() {
      receiver.hanging = false;
      for (const res of held.splice(0)) if (!res.writableEnded && !res.destroyed) res.writeHead(200).end();
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      receiver.ids.push(String(req.headers['webhook-id']));
      if (receiver.hanging) held.push(res);
      else setTimeout(() => res.writeHead(200).end(), receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}

/** A sandbox integration of a tenant of its own (or of `key`'s), forwarding to `url`. */
async function forwarding(url: string, key?: string): Promise<SandboxIntegration> {
  return sandboxIntegration(api, key ?? (await api.newTenant()).apiKey, url);
}

const send = (integration: SandboxIntegration, n: number) => sendSandboxWebhook(api, integration, n);

const eventRow = (id: string) => api.deps.orm.em.fork().findOneOrFail(WebhookEvent, { id });

/**
 * The task queue of each batch activity a workflow scheduled, in order (its latest run: these tests stay far from
 * continue-as-new): an integration's webhook batches, or with `endpoint`, an event endpoint's delivery batches.
 */
async function batchQueues(id: string, kind: 'integration' | 'endpoint' = 'integration'): Promise<string[]> {
  const workflowId = kind === 'endpoint' ? eventEndpointWorkflowId(id) : webhookBatchWorkflowId(id);
  const activity = kind === 'endpoint' ? 'deliverEventBatch' : 'processWebhookBatch';
  const history = await api.deps.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    return scheduled?.activityType?.name === activity ? [scheduled.taskQueue?.name ?? ''] : [];
  });
}

beforeAll(async () => {
  api = await startTestApi({
    worker: true,
    env: {
      PLUGBOARD_WORKER_SLOTS: SLOTS,
      PLUGBOARD_WEBHOOK_FAST_LANE_MS: String(FAST_LANE_MS),
      PLUGBOARD_SWEEP_INTERVAL_MS: '500',
      PLUGBOARD_SWEEP_MIN_AGE_MS: '2000',
    },
  });
});
afterAll(async () => {
  await api?.close();
});

describe('slow receivers', () => {
  it("receivers that hang do not delay another tenant's events; theirs go to the slow lane and are delivered once they answer", async () => {
    const webhooksQueue = taskQueueOf(api.deps.env.TEMPORAL_TASK_QUEUE, 'webhooks');
    const slowQueue = slowLaneQueueFrom(webhooksQueue);
    expect(api.worker!.queues['webhooks-slow']).toBe(slowQueue);
    const hung = await startReceiver({ hanging: true });
    const healthy = await startReceiver();
    try {
      // Three tenants' receivers hang, one event each: more than the webhooks queue's two slots.
      const stalled = await Promise.all([1, 2, 3].map(() => forwarding(hung.url)));
      const stalledEvents = await Promise.all(stalled.map((s) => send(s, 1)));
      await until(() => hung.ids.length >= 2, 15_000, 'the receivers that hang to be called');

      // Another tenant's event, while those forwards hang: processed long before the 15 s forward timeout.
      const quiet = await forwarding(healthy.url);
      const acked = Date.now();
      const quietEvent = await send(quiet, 1);
      const processed = await until(
        async () => {
          const row = await eventRow(quietEvent);
          return row.status === 'processed' ? row : undefined;
        },
        20_000,
        "the other tenant's event processed",
      );
      const latency = processed.processedAt!.getTime() - acked;
      expect(latency).toBeLessThan(5_000);
      expect(healthy.ids).toEqual([quietEvent]);
      // Its batch ran in the fast lane.
      expect(await batchQueues(quiet.id)).toEqual([webhooksQueue]);

      // Each stalled integration moved to the slow lane: the fast lane's abandoned forward is not an attempt; the
      // slow lane's is (counted before it is sent).
      await until(
        async () => {
          for (const s of stalled) if (!(await batchQueues(s.id)).includes(slowQueue)) return false;
          return true;
        },
        20_000,
        'every stalled integration in the slow lane',
      );
      for (const s of stalled) expect((await batchQueues(s.id))[0]).toBe(webhooksQueue);
      await until(async () => (await Promise.all(stalledEvents.map(eventRow))).every((e) => e.attempts === 1), 20_000, 'one counted attempt each');

      // The receivers answer again: every event delivered, with the webhook-id of its first (abandoned) delivery.
      hung.release();
      for (const id of stalledEvents) {
        const row = await until(
          async () => {
            const e = await eventRow(id);
            return e.status === 'processed' ? e : undefined;
          },
          20_000,
          'the stalled events processed',
        );
        expect(row.attempts).toBe(1);
        expect(hung.ids.filter((w) => w === id).length).toBeGreaterThanOrEqual(2);
      }
      expect(new Set(hung.ids)).toEqual(new Set(stalledEvents));

      // The receiver answers in time again: its next event is delivered once (in the slow lane, or already in the
      // fast one when the slow-lane batch that re-delivered the released events was answered within fast time:
      // either is right, so neither is asserted), and the batch after that runs in the fast lane.
      const next = await send(stalled[0]!, 2);
      await until(async () => (await eventRow(next)).status === 'processed', 20_000, 'the next event processed');
      const after = await send(stalled[0]!, 3);
      await until(async () => (await eventRow(after)).status === 'processed', 20_000, 'the event after it processed');
      expect((await batchQueues(stalled[0]!.id)).at(-1)).toBe(webhooksQueue);
      expect(hung.ids.filter((w) => w === next || w === after)).toEqual([next, after]);
    } finally {
      hung.release();
      await hung.close();
      await healthy.close();
    }
  }, 90_000);

  it('a receiver slower than the fast-lane time still gets every event, in order, and stays in the slow lane', async () => {
    const slow = await startReceiver({ delayMs: FAST_LANE_MS * 3 });
    try {
      const integration = await forwarding(slow.url);
      const first = await send(integration, 1);
      await until(async () => (await eventRow(first)).status === 'processed', 20_000, 'the first event processed');
      // Abandoned once in the fast lane, then delivered in the slow lane: twice, with the same webhook-id.
      expect(slow.ids).toEqual([first, first]);
      const second = await send(integration, 2);
      const third = await send(integration, 3);
      for (const id of [second, third]) await until(async () => (await eventRow(id)).status === 'processed', 20_000, 'the later events processed');
      // Still slow: delivered once each, in the slow lane, in order.
      expect(slow.ids).toEqual([first, first, second, third]);
      const queues = await batchQueues(integration.id);
      const slowQueue = slowLaneQueueFrom(taskQueueOf(api.deps.env.TEMPORAL_TASK_QUEUE, 'webhooks'));
      expect(queues.slice(1).every((q) => q === slowQueue)).toBe(true);
      for (const id of [first, second, third]) expect((await eventRow(id)).attempts).toBe(1);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it("tenant event endpoints that hang do not delay another tenant's webhooks; their deliveries go to the slow lane", async () => {
    const webhooksQueue = taskQueueOf(api.deps.env.TEMPORAL_TASK_QUEUE, 'webhooks');
    const slowQueue = slowLaneQueueFrom(webhooksQueue);
    const relay = startTestEventDispatcher(api);
    const hung = await startReceiver({ hanging: true });
    const healthy = await startReceiver();
    try {
      // Three tenants, each with an endpoint that hangs for `webhook.received`, and an integration that gets an event.
      const tenants = await Promise.all(
        [1, 2, 3].map(async () => {
          const { apiKey: key } = await api.newTenant();
          const endpoint = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url: hung.url, eventTypes: ['webhook.received'] } });
          expect(endpoint.status).toBe(201);
          return { key, endpointId: endpoint.body.data.id as string, integration: await forwarding(healthy.url, key) };
        }),
      );
      const events = await Promise.all(tenants.map((t) => send(t.integration, 1)));
      await until(() => hung.ids.length >= 2, 20_000, 'the endpoints that hang to be called');

      const quiet = await forwarding(healthy.url);
      const acked = Date.now();
      const quietEvent = await send(quiet, 1);
      const processed = await until(
        async () => {
          const row = await eventRow(quietEvent);
          return row.status === 'processed' ? row : undefined;
        },
        20_000,
        "the other tenant's event processed",
      );
      expect(processed.processedAt!.getTime() - acked).toBeLessThan(5_000);
      for (const id of events) expect((await eventRow(id)).status).toBe('processed');

      // Each endpoint's deliveries moved to the slow lane; the fast lane's abandoned attempt is not recorded.
      await until(
        async () => {
          for (const t of tenants) if (!(await batchQueues(t.endpointId, 'endpoint')).includes(slowQueue)) return false;
          return true;
        },
        20_000,
        'every endpoint in the slow lane',
      );
      hung.release();
      const deliveries = await until(
        async () => {
          const rows = await api.deps.orm.em.fork().find(EventDelivery, { endpointId: { $in: tenants.map((t) => t.endpointId) } });
          return rows.length === 3 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
        },
        30_000,
        'every tenant event delivered',
      );
      for (const d of deliveries) expect(d.attempts).toBe(1);
      // Each was sent at least twice (abandoned in the fast lane, then in the slow lane), with the same webhook-id.
      for (const d of deliveries) expect(hung.ids.filter((w) => w === d.eventId).length).toBeGreaterThanOrEqual(2);
    } finally {
      hung.release();
      await relay.stop();
      await hung.close();
      await healthy.close();
    }
  }, 90_000);
});
