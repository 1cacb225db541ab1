import { heartbeat } from '@temporalio/activity';
import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { EventDeliveryAttempt, EventEndpoint, Integration, ReauthorizationNotice, type EventDelivery, type TenantEvent } from '../db/entities/index.ts';
import { keysetPage } from '../db/keyset.ts';
import { openEventData, signingSecrets } from '../db/event-endpoint-secrets.ts';
import { dueDeliveries, failPendingDeliveries, nextDueAt } from '../db/repositories/event-deliveries.repository.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { nextAttemptDelay, retryAfterMs as parseRetryAfter } from '../lib/events/schedule.ts';
import { signEvent } from '../lib/events/signing.ts';
import { eventEnvelope } from '../lib/events/types.ts';
import { forwardUrlProblem, outboundBlockedCause } from '../lib/net-guard.ts';
import { slotRetryMs, TenantSlots } from '../lib/tenant-slots.ts';
import type { EventDeliveryBatchResult } from '../workflows/event-endpoint.messages.ts';
import type { WebhookLane } from '../workflows/webhook.messages.ts';
import type { ActivityDeps } from './deps.ts';
import { createTenantEventEmitters } from './tenant-events.ts';

const BATCH_SIZE = 100;
/** A batch hands back after this long (a dead receiver costs up to DELIVERY_TIMEOUT_MS a delivery). */
const BATCH_BUDGET_MS = 20_000;
const DELIVERY_TIMEOUT_MS = 15_000;
/** How much of a receiver's answer is kept with the attempt. */
const EXCERPT_BYTES = 1024;
/** Grants looked at per page of the reauthorization-due sweep. */
const SWEEP_PAGE = 200;
const DAY_MS = 86_400_000;

interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
  retryAfterMs?: number;
  timedOut?: boolean;
}

/**
 * Delivery of tenant events (docs/architecture.md "Tenant events"): a batch of one endpoint's due deliveries, in
 * creation order, each signed with every secret in use, through the outbound guard. Every attempt is recorded
 * (time, status, latency, a bounded excerpt of the answer; never a request header). A failed delivery gets its
 * next attempt from the schedule (or the receiver's Retry-After) and the batch goes on with the next one; a 410,
 * or failing for PLUGBOARD_EVENT_DISABLE_AFTER in a row, disables the endpoint and tells the tenant's other
 * endpoints (`endpoint.disabled`).
 */
export function createTenantEventActivities(deps: ActivityDeps, options: { slowLaneSlots?: TenantSlots } = {}) {
  const { orm, vault, providers, env } = deps;
  const slowLaneSlots = options.slowLaneSlots ?? new TenantSlots(env.PLUGBOARD_SLOW_LANE_TENANT_SLOTS);
  const production = env.NODE_ENV === 'production';
  const events = createTenantEventEmitters(deps);

  /**
   * Records the thresholds `integrationId` reached and sends the smallest (the others are stale news), in one
   * transaction with the row locked and read again: a reconnect committed meanwhile (a new grant) re-armed them.
   */
  async function reachThresholds(integrationId: string, expiresAt: Date, missing: number[], smallest: number, now: number): Promise<boolean> {
    try {
      return await orm.em.fork().transactional(async (tem) => {
        const row = await tem.findOne(Integration, { id: integrationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!row || row.status !== 'active' || row.refreshTokenExpiresAt?.getTime() !== expiresAt.getTime()) return false;
        const event = missing.includes(smallest) ? await events.reauthorizationDue(tem, row, smallest, now) : null;
        for (const thresholdDays of missing)
          tem.create(ReauthorizationNotice, {
            tenantId: row.tenantId,
            integrationId: row.id,
            thresholdDays,
            refreshTokenExpiresAt: expiresAt,
            eventId: thresholdDays === smallest ? (event?.id ?? null) : null,
          });
        return Boolean(event);
      });
    } catch (error) {
      // Another sweep recorded them first: it sent the event.
      if (error instanceof UniqueConstraintViolationException) return false;
      throw error;
    }
  }

  async function attempt(endpoint: EventEndpoint, secrets: string[], event: TenantEvent, timeoutMs: number): Promise<AttemptOutcome> {
    const problem = forwardUrlProblem(endpoint.url, { production });
    if (problem) return { statusCode: null, latencyMs: 0, excerpt: null, error: problem.replace('forwardUrl', 'url') };
    const body = JSON.stringify(eventEnvelope(event, openEventData(vault, event)));
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    try {
      const answer = await providers.outbound.post(endpoint.url, {
        timeoutMs,
        keepBytes: EXCERPT_BYTES,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Plugboard-Events/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signEvent(body, secrets, event.id, timestamp),
        },
        body,
      });
      const latencyMs = Math.round(performance.now() - started);
      const retryAfterMs = parseRetryAfter(answer.retryAfter ?? null);
      return { statusCode: answer.status, latencyMs, excerpt: answer.excerpt, error: null, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (error) {
      const blocked = outboundBlockedCause(error);
      const timedOut = !blocked && (error as Error).name === 'TimeoutError';
      const message = blocked ? blocked.message : timedOut ? 'timed out' : 'connection failed';
      return { statusCode: null, latencyMs: Math.round(performance.now() - started), excerpt: null, error: message, ...(timedOut ? { timedOut } : {}) };
    }
  }

  /** Disables the endpoint, fails its pending deliveries and tells the tenant's other endpoints, in one transaction. */
  async function disable(em: EntityManager, endpointId: string, reason: string): Promise<void> {
    await em.transactional(async (tem) => {
      const row = await tem.findOne(EventEndpoint, { id: endpointId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.disabledAt) return;
      row.disabledAt = new Date();
      row.disabledReason = reason;
      await failPendingDeliveries(tem, row.id, `endpoint disabled: ${reason}`);
      await emitTenantEvent(
        tem,
        vault,
        { tenantId: row.tenantId, type: 'endpoint.disabled', data: { endpointId: row.id, url: row.url, reason, disabledAt: row.disabledAt.toISOString() } },
        { except: row.id },
      );
    });
  }

  function settle(delivery: EventDelivery, endpoint: EventEndpoint, outcome: AttemptOutcome, at: Date): void {
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    delivery.attempts += 1;
    delivery.lastAttemptAt = at;
    delivery.lastStatusCode = outcome.statusCode;
    if (ok) {
      delivery.status = 'delivered';
      delivery.deliveredAt = at;
      delivery.nextAttemptAt = null;
      delivery.lastError = null;
      endpoint.failingSince = null;
      return;
    }
    delivery.lastError = (outcome.error ?? `the receiver answered HTTP ${outcome.statusCode}`).slice(0, 500);
    endpoint.failingSince ??= at;
    const delay = nextAttemptDelay(env.PLUGBOARD_EVENT_RETRY_SCHEDULE, delivery.attempts, outcome.retryAfterMs);
    if (delay === null || outcome.statusCode === 410) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = null;
    } else delivery.nextAttemptAt = new Date(at.getTime() + delay);
  }

  /** One batch of the endpoint's due deliveries, in the lane the activity runs in (deliverEventBatch below). */
  async function deliverBatch(em: EntityManager, endpoint: EventEndpoint, slowLane: boolean): Promise<EventDeliveryBatchResult> {
    const fastLaneMs = env.PLUGBOARD_WEBHOOK_FAST_LANE_MS;
    let attempts = 0;
    let allInTime = true;
    const result: EventDeliveryBatchResult = { delivered: 0, failed: 0, retrying: 0, more: false, nextDueInMs: null };
    const secrets = signingSecrets(vault, endpoint);
    const due = await dueDeliveries(em, endpoint.id, BATCH_SIZE);
    const started = Date.now();
    for (const { delivery, event } of due) {
      if (Date.now() - started > BATCH_BUDGET_MS) {
        result.more = true;
        break;
      }
      heartbeat({ delivered: result.delivered });
      const at = new Date();
      const outcome = await attempt(endpoint, secrets, event, slowLane ? DELIVERY_TIMEOUT_MS : fastLaneMs);
      if (!slowLane && outcome.timedOut) {
        // Not answered within the fast-lane time: next in the slow lane, this attempt not recorded.
        result.moveTo = 'slow';
        result.more = true;
        break;
      }
      attempts++;
      if (outcome.timedOut || outcome.latencyMs > fastLaneMs) allInTime = false;
      em.create(EventDeliveryAttempt, {
        tenantId: delivery.tenantId,
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        attemptedAt: at,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        responseExcerpt: outcome.excerpt,
        error: outcome.error,
      });
      settle(delivery, endpoint, outcome, at);
      // Per delivery: a worker that dies mid-batch re-delivers only the one in flight.
      await em.flush();
      if (delivery.status === 'delivered') result.delivered++;
      else if (delivery.status === 'failed') result.failed++;
      else result.retrying++;
      const reason =
        outcome.statusCode === 410
          ? 'the endpoint answered HTTP 410 Gone'
          : endpoint.failingSince && at.getTime() - endpoint.failingSince.getTime() >= env.PLUGBOARD_EVENT_DISABLE_AFTER
            ? `every attempt failed since ${endpoint.failingSince.toISOString()}`
            : null;
      if (reason) {
        await disable(em, endpoint.id, reason);
        return result;
      }
    }
    if (due.length === BATCH_SIZE) result.more = true;
    if (slowLane && attempts > 0 && allInTime) result.moveTo = 'fast';
    if (result.moveTo === 'slow') deps.logger.warn({ endpointId: endpoint.id, fastLaneMs }, 'receiver slow: batches move to the slow lane');
    else if (result.moveTo === 'fast') deps.logger.info({ endpointId: endpoint.id }, 'receiver answers in time: batches back in the fast lane');
    const next = await nextDueAt(em, endpoint.id);
    result.nextDueInMs = next ? Math.max(0, next.getTime() - Date.now()) : null;
    return result;
  }

  return {
    /**
     * One page of the `integration.reauthorization_due` sweep (workflows/reauthorization-sweep.workflow.ts): active
     * grants whose refresh token expires within the largest of PLUGBOARD_EVENT_REAUTHORIZATION_DUE_DAYS, in expiry
     * order (keyset, db/keyset.ts). A grant that reached a threshold not yet recorded for it gets the event once.
     */
    async sweepReauthorizationDue(input: { cursor?: string | null }): Promise<{ checked: number; sent: number; nextCursor: string | null }> {
      const em = orm.em.fork();
      const now = Date.now();
      const thresholds = env.PLUGBOARD_EVENT_REAUTHORIZATION_DUE_DAYS;
      const horizon = new Date(now + Math.max(...thresholds) * DAY_MS);
      const page = await keysetPage(
        em,
        Integration,
        { status: 'active', refreshTokenExpiresAt: { $gt: new Date(now), $lte: horizon } },
        { cursor: input.cursor ?? undefined, limit: SWEEP_PAGE, order: 'asc', by: 'refreshTokenExpiresAt' },
      );
      const reached = new Set(
        page.items.length
          ? (await em.find(ReauthorizationNotice, { integrationId: { $in: page.items.map((i) => i.id) } })).map((n) => `${n.integrationId}:${n.thresholdDays}`)
          : [],
      );
      let sent = 0;
      for (const row of page.items) {
        const expiresAt = row.refreshTokenExpiresAt!;
        const due = thresholds.filter((days) => expiresAt.getTime() - now <= days * DAY_MS);
        const missing = due.filter((days) => !reached.has(`${row.id}:${days}`));
        if (missing.length && (await reachThresholds(row.id, expiresAt, missing, Math.min(...due), now))) sent++;
      }
      return { checked: page.items.length, sent, nextCursor: page.nextCursor };
    },

    /**
     * One batch of the endpoint's due deliveries. In the fast lane (the webhooks queue) a delivery gets
     * PLUGBOARD_WEBHOOK_FAST_LANE_MS; one not answered by then is abandoned, with no attempt recorded (the endpoint
     * may get it twice, with the same `webhook-id`), and the batch ends with `moveTo: 'slow'`. In the slow lane a
     * delivery gets the full 15 s, and a batch answered in time throughout ends with `moveTo: 'fast'`.
     */
    async deliverEventBatch(input: { endpointId: string; lane?: WebhookLane }): Promise<EventDeliveryBatchResult> {
      const em = orm.em.fork();
      const endpoint = await em.findOne(EventEndpoint, { id: input.endpointId });
      if (!endpoint || endpoint.disabledAt) return { delivered: 0, failed: 0, retrying: 0, more: false, nextDueInMs: null };
      if (input.lane !== 'slow') return deliverBatch(em, endpoint, false);
      // The tenant's share of the slow lane is taken: try again shortly, in order.
      return slowLaneSlots.run(
        endpoint.tenantId,
        () => deliverBatch(em, endpoint, true),
        () => ({ delivered: 0, failed: 0, retrying: 0, more: false, nextDueInMs: slotRetryMs() }),
      );
    },
  };
}
