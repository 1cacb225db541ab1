import type { EntityManager } from '@mikro-orm/postgresql';
import { heartbeat } from '@temporalio/activity';
import { Integration, type EventEndpoint, type WebhookEvent } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { failEvent, finishEvents, nextPendingEvents } from '../db/repositories/webhook-dispatch.repository.ts';
import { recordForwardAttempts, unrecordForwardAttempts } from '../db/repositories/webhook-events.repository.ts';
import { enabledEndpoints } from '../db/tenant-events.ts';
import { eventLoopLagMs } from '../lib/event-loop-lag.ts';
import { slotRetryMs, TenantSlots } from '../lib/tenant-slots.ts';
import type { WebhookBatchResult, WebhookLane } from '../workflows/webhook.messages.ts';
import type { ForwardBody } from './tenant-events.ts';
import type { ActivityDeps } from './deps.ts';
import { createWebhookProcessing, FORWARD_TIMEOUT_MS } from './webhook-processing.ts';

/** Events read per batch, and how long one batch may run before it hands back (and heartbeats continue). */
const BATCH_SIZE = 200;
/** In the slow lane a forward may take 15 s: a batch reads fewer events, as it will not get through many. */
const SLOW_LANE_BATCH_SIZE = 20;
const BATCH_BUDGET_MS = 20_000;
/** Events delivered before their rows are marked: the most a worker killed mid-chunk leaves to be delivered again. */
export const WEBHOOK_CHUNK = 50;
const CHUNK = WEBHOOK_CHUNK;
/**
 * Giving way (docs/architecture.md "Workload isolation"): past its first GIVE_WAY_EVERY - 1 events, a batch checks
 * the worker's event-loop lag every GIVE_WAY_EVERY events and, while it is above CONGESTED_MS, waits (at most
 * GIVE_WAY_MAX_MS at a time, so a flood still progresses on a host that stays congested). Everything else in the
 * process waits in the same loop: a quiet integration's workflow task and its batch of a few events (which never
 * waits), connects, refreshes.
 */
export const CONGESTED_MS = 20;
const GIVE_WAY_EVERY = 10;
const GIVE_WAY_MAX_MS = 500;
const GIVE_WAY_POLL_MS = 20;

/** The backoff between delivery attempts (the receiver's Retry-After wins); `attemptLimit` bounds them. */
export const forwardBackoffMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * One batch of an integration's pending webhook events, oldest first: apply each to the integration, deliver
 * it when the tenant forwards, mark it. Ordered per integration: a delivery that should be retried stops the
 * batch there (the workflow sleeps for the backoff, and later events wait behind it); one that must not be
 * retried, or has used its attempts, is marked failed and the batch goes on. Change hints of a batch fold into
 * one sync request.
 *
 * Lanes (docs/architecture.md "Slow receivers"): in the fast lane (the webhooks queue) a forward gets
 * PLUGBOARD_WEBHOOK_FAST_LANE_MS. One that is not answered by then is abandoned — not counted as an attempt, so the
 * receiver may get that event twice, with the same `webhook-id` — and the batch ends with `moveTo: 'slow'`: the
 * workflow runs the next batch, from that event, in the slow lane, where a forward gets the full 15 s. A slow-lane
 * batch whose forwards were all answered within the fast-lane time ends with `moveTo: 'fast'`.
 */
export function createWebhookBatchActivities(deps: ActivityDeps, options: { loopLagMs?: () => number; slowLaneSlots?: TenantSlots } = {}) {
  const slowLaneSlots = options.slowLaneSlots ?? new TenantSlots(deps.env.PLUGBOARD_SLOW_LANE_TENANT_SLOTS);
  const loopLagMs = options.loopLagMs ?? eventLoopLagMs;
  /** Waits while the event loop is congested, up to GIVE_WAY_MAX_MS; how long it waited. */
  const giveWay = async (): Promise<number> => {
    const from = Date.now();
    while (loopLagMs() > CONGESTED_MS && Date.now() - from < GIVE_WAY_MAX_MS) await new Promise((r) => setTimeout(r, GIVE_WAY_POLL_MS));
    return Date.now() - from;
  };
  const { orm, providers } = deps;
  const { applyEvent, logChangeHints, requestSync, deliveryTarget, deliverEvent, forwardBody, received } = createWebhookProcessing(deps);

  return {
    async processWebhookBatch(input: { integrationId: string; lane?: WebhookLane }): Promise<WebhookBatchResult> {
      const em = orm.em.fork();
      const integration = await em.findOne(Integration, { id: input.integrationId });
      if (!integration) return { processed: 0, failed: 0, more: false };
      if (input.lane !== 'slow') return batch(em, integration, false);
      // The tenant's share of the slow lane is taken: try again shortly, in order.
      return slowLaneSlots.run(
        integration.tenantId,
        () => batch(em, integration, true),
        () => ({ processed: 0, failed: 0, more: false, retryInMs: slotRetryMs() }),
      );
    },
  };

  async function batch(em: EntityManager, integration: Integration, slowLane: boolean): Promise<WebhookBatchResult> {
    const fastLaneMs = deps.env.PLUGBOARD_WEBHOOK_FAST_LANE_MS;
    const def = await providers.resolve(em, integration.tenantId, integration.provider);
    const batchSize = slowLane ? SLOW_LANE_BATCH_SIZE : BATCH_SIZE;
    const events = await nextPendingEvents(em, integration.id, batchSize);
    let since = 0;
    const target = deliveryTarget(integration);
    const started = Date.now();
    const hints: string[] = [];
    let processed = 0;
    let failed = 0;
    let retryInMs: number | undefined;
    let stoppedEarly = false;
    let moveTo: WebhookLane | undefined;
    // The slow lane's forwards, and whether each was answered within the fast-lane time.
    let forwards = 0;
    let allInTime = true;
    // One endpoint lookup per batch (on its first webhook.received), and each payload decrypted once: the body
    // forwarded is the one webhook.received carries.
    let endpoints: EventEndpoint[] | undefined;
    const bodies = new Map<string, ForwardBody>();
    const bodyOf = (event: WebhookEvent): ForwardBody => {
      let body = bodies.get(event.id);
      if (!body) bodies.set(event.id, (body = forwardBody(integration, event)));
      return body;
    };
    const tell = async (tem: typeof em, processedEvents: WebhookEvent[]) => {
      endpoints ??= await enabledEndpoints(tem, integration.tenantId);
      await received(tem, integration, processedEvents, { endpoints, bodyOf });
      for (const e of processedEvents) bodies.delete(e.id);
    };

    // An event whose forward failed was still applied: webhook.received goes out with the mark, in its transaction.
    const fail = async (event: WebhookEvent, message: string) => {
      failed++;
      await em.transactional(async (tem) => {
        await failEvent(tem, event.id, message);
        appendLog(tem, {
          tenantId: event.tenantId,
          integrationId: event.integrationId,
          kind: 'webhook_failed',
          level: 'error',
          message: `Event ${event.id} (${event.eventType}) failed: ${message}`.slice(0, 2000),
        });
        await tell(tem, [event]);
      });
    };

    // Chunks: one query counts the chunk's attempts before its deliveries, one marks it after them, so a
    // worker that dies mid-chunk re-delivers at most that chunk (with the same webhook-ids).
    for (let from = 0; from < events.length && retryInMs === undefined && moveTo === undefined && !stoppedEarly; from += CHUNK) {
      const chunk = events.slice(from, from + CHUNK);
      if (target?.kind === 'target')
        await recordForwardAttempts(
          em,
          chunk.map((e) => e.id),
        );
      const delivered: WebhookEvent[] = [];
      let sent = 0;
      for (const event of chunk) {
        // Per event, not per chunk: a slow receiver (up to 15 s a delivery) must not let the heartbeat timeout
        // pass, or Temporal would start the batch again beside this one. Past the budget the batch hands back.
        if (Date.now() - started > BATCH_BUDGET_MS) {
          stoppedEarly = true;
          break;
        }
        heartbeat({ processed: processed + delivered.length });
        if (++since >= GIVE_WAY_EVERY) {
          since = 0;
          if ((await giveWay()) > 0) heartbeat({ processed: processed + delivered.length });
        }
        sent++;
        const action = await applyEvent(em, def, integration, event, { foldHints: true });
        if (action === 'sync_hint') hints.push(event.eventType);
        if (target?.kind === 'rejected') {
          await fail(event, target.message);
          continue;
        }
        const sentAt = Date.now();
        const outcome = target
          ? await deliverEvent(target, integration, event, bodyOf(event), slowLane ? FORWARD_TIMEOUT_MS : fastLaneMs)
          : ({ kind: 'delivered', status: 0 } as const);
        if (target) {
          forwards++;
          if ((outcome.kind === 'retry' && outcome.timedOut) || Date.now() - sentAt > fastLaneMs) allInTime = false;
        }
        if (!slowLane && outcome.kind === 'retry' && outcome.timedOut) {
          // Not answered within the fast-lane time: this event is next in the slow lane, its attempt not counted.
          sent--;
          moveTo = 'slow';
          break;
        }
        if (outcome.kind === 'retry' && event.attempts + 1 < event.attemptLimit) {
          // Later events of this integration wait behind this one, in order.
          retryInMs = outcome.delayMs ?? forwardBackoffMs(event.attempts + 1);
          break;
        }
        if (outcome.kind !== 'delivered') await fail(event, outcome.message);
        else delivered.push(event);
      }
      if (target?.kind === 'target')
        await unrecordForwardAttempts(
          em,
          chunk.slice(sent).map((e) => e.id),
        );
      // Marked processed with their webhook.received tenant events (if any endpoint wants them), in one transaction.
      if (delivered.length)
        await em.transactional(async (tem) => {
          await finishEvents(
            tem,
            delivered.map((e) => e.id),
          );
          await tell(tem, delivered);
        });
      processed += delivered.length;
    }
    if (hints.length) {
      await logChangeHints(em, def, integration, hints);
      await requestSync(def, integration, `webhook ${hints[0]}`);
    }
    if (slowLane && forwards > 0 && allInTime) moveTo = 'fast';
    if (moveTo === 'slow') deps.logger.warn({ integrationId: integration.id, fastLaneMs }, 'receiver slow: batches move to the slow lane');
    else if (moveTo === 'fast') deps.logger.info({ integrationId: integration.id }, 'receiver answers in time: batches back in the fast lane');
    return {
      processed,
      failed,
      more: retryInMs === undefined && (stoppedEarly || moveTo === 'slow' || events.length === batchSize),
      ...(retryInMs !== undefined ? { retryInMs } : {}),
      ...(moveTo ? { moveTo } : {}),
    };
  }
}
