/**
 * One tenant's share of the slow lane (docs/architecture.md "Slow receivers"): fairness orders which task a free
 * slow-lane slot takes, but a forward to a receiver that hangs keeps its slot for the whole 15 s timeout, so a tenant
 * with enough of them could hold every slot. PLUGBOARD_SLOW_LANE_TENANT_SLOTS caps the slots one tenant's batches
 * hold in a worker; a batch over the cap hands its slot back and tries again 5–7.5 s later. Real API, worker,
 * dispatchers, PostgreSQL and Temporal; the receivers are real HTTP servers on loopback.
 */
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDelivery } from '../db/entities/index.ts';
import { startTestEventDispatcher } from './event-receiver.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';
import { eventEndpoint, sandboxIntegration, sendSandboxWebhook } from './sandbox-webhooks.ts';

const FAST_LANE_MS = 300;
const SLOW_SLOTS = 3;
const TENANT_SLOTS = 2;
/** The busy tenant's endpoints whose receiver hangs: more than the slow lane's slots. */
const HUNG_ENDPOINTS = 5;

let api: TestApi;
let relay: { stop: () => Promise<void> };

/** A receiver that holds every request open (until closed), counting those open now; or answers after `delayMs`. */
async function startReceiver(options: { hang: boolean; delayMs?: number }) {
  const held = new Set<ServerResponse>();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(String(req.headers['webhook-id']));
      if (options.hang) {
        held.add(res);
        res.on('close', () => held.delete(res));
      } else setTimeout(() => res.writeHead(200).end(), options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    open: () => held.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

beforeAll(async () => {
  api = await startTestApi({
    worker: true,
    env: {
      PLUGBOARD_WORKER_SLOTS: `webhooks:6,webhooks-slow:${SLOW_SLOTS}`,
      PLUGBOARD_WEBHOOK_FAST_LANE_MS: String(FAST_LANE_MS),
      PLUGBOARD_SLOW_LANE_TENANT_SLOTS: String(TENANT_SLOTS),
    },
  });
  relay = startTestEventDispatcher(api);
});
afterAll(async () => {
  await relay?.stop();
  await api?.close();
});

describe('slow lane, per tenant', () => {
  it("one tenant's receivers that hang hold at most its share of the slow lane; another tenant's slow receiver is served at once", async () => {
    const busy = await api.newTenant('Busy');
    const other = await api.newTenant('Other');
    const hung = await startReceiver({ hang: true });
    // Slower than the fast lane allows, well within the slow lane's 15 s.
    const slow = await startReceiver({ hang: false, delayMs: 600 });
    try {
      const busyIntegration = await sandboxIntegration(api, busy.apiKey);
      for (let i = 0; i < HUNG_ENDPOINTS; i++) await eventEndpoint(api, busy.apiKey, `${hung.url}/${i}`, ['webhook.received']);
      const otherIntegration = await sandboxIntegration(api, other.apiKey);
      const otherEndpoint = await eventEndpoint(api, other.apiKey, `${slow.url}/other`, ['webhook.received']);

      // Five deliveries: each abandoned in the fast lane, then sent again in the slow lane — where only two of them
      // may be in flight, and the others wait their turn without holding a slot.
      await sendSandboxWebhook(api, busyIntegration, 1);
      await until(() => hung.seen.length >= HUNG_ENDPOINTS + TENANT_SLOTS, 20_000, "the busy tenant's deliveries in the slow lane");
      await new Promise((r) => setTimeout(r, 8_000)); // the capped batches' retries come round at least once
      expect(hung.open()).toBe(TENANT_SLOTS);

      // The other tenant's receiver is slow too, so its delivery goes to the slow lane: a slot is free there.
      const sent = Date.now();
      await sendSandboxWebhook(api, otherIntegration, 1);
      await until(
        async () => (await api.deps.orm.em.fork().count(EventDelivery, { endpointId: otherEndpoint, status: 'delivered' })) === 1,
        20_000,
        "the other tenant's delivery made in the slow lane",
      );
      // Without the cap the busy tenant would hold all three slots for 15 s each, and this would wait for one.
      expect(Date.now() - sent).toBeLessThan(6_000);
      // Abandoned in the fast lane, delivered in the slow one: the same webhook-id twice.
      expect(slow.seen.length).toBe(2);
      expect(new Set(slow.seen).size).toBe(1);
      expect(hung.open()).toBe(TENANT_SLOTS);
    } finally {
      await Promise.all([hung.close(), slow.close()]);
    }
  }, 90_000);
});
