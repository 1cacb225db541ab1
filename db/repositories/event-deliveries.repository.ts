import type { EntityManager } from '@mikro-orm/postgresql';
import { EventDelivery, EventDeliveryAttempt, TenantEvent, type EventDeliveryStatus } from '../entities/index.ts';
import { keysetPage, type Page } from '../keyset.ts';

export const EVENT_DELIVERY_CHANNEL = 'plugboard_event_delivery';

/**
 * The tenant-event outbox's queries: the relay's (workers/event-dispatcher.ts), the endpoint workflow's batches
 * (activities/tenant-events.activities.ts) and the API's lists and replay.
 */

/**
 * A disabled endpoint's pending deliveries (disabled by the tenant, or replayed while disabled) wait, unclaimed and
 * not swept, until it is enabled again: the relay never wakes its workflow meanwhile.
 */
const ENABLED_ENDPOINTS = 'select id from event_endpoint where disabled_at is null';

/** An endpoint (`id`) with deliveries to make, and its tenant, whose fairness key its workflow runs with. */
export interface PendingEndpoint {
  id: string;
  tenantId: string;
}

/**
 * Claims up to `limit` deliveries no relay has woken a workflow for (SKIP LOCKED): how many, and the endpoint of
 * each (one entry per delivery: the relay wakes each endpoint once).
 */
export async function claimUndispatchedEndpoints(em: EntityManager, limit: number): Promise<{ claimed: number; keys: PendingEndpoint[] }> {
  const rows = await em.getConnection().execute<PendingEndpoint[]>(
    `update event_delivery d set dispatched_at = now() from event_endpoint e
     where e.id = d.endpoint_id and d.id in (
       select id from event_delivery where status = 'pending' and dispatched_at is null and endpoint_id in (${ENABLED_ENDPOINTS})
       order by created_at limit ? for update skip locked)
     returning d.endpoint_id as id, e.tenant_id as "tenantId"`,
    [limit],
  );
  return { claimed: rows.length, keys: rows };
}

/**
 * Endpoints with a delivery overdue by more than `olderThanMs` (its workflow ended, a relay died before waking it,
 * Temporal was down): the sweep wakes each again. Writes nothing.
 */
export function overdueEndpoints(em: EntityManager, olderThanMs: number, limit: number): Promise<PendingEndpoint[]> {
  return em.getConnection().execute<PendingEndpoint[]>(
    `select e.id, e.tenant_id as "tenantId" from event_endpoint e
     where e.id in (
       select distinct endpoint_id from event_delivery
       where status = 'pending' and dispatched_at is not null and next_attempt_at < now() - make_interval(secs => ?)
         and endpoint_id in (${ENABLED_ENDPOINTS})
       limit ?)`,
    [olderThanMs / 1000, limit],
  );
}

export async function releaseEndpointClaims(em: EntityManager, endpointIds: string[]): Promise<void> {
  if (endpointIds.length)
    await em.getConnection().execute(`update event_delivery set dispatched_at = null where endpoint_id in (?) and status = 'pending'`, [endpointIds]);
}

/** The endpoint's deliveries due now, in creation order, with their events. */
export async function dueDeliveries(em: EntityManager, endpointId: string, limit: number): Promise<{ delivery: EventDelivery; event: TenantEvent }[]> {
  const deliveries = await em.find(EventDelivery, { endpointId, status: 'pending', nextAttemptAt: { $lte: new Date() } }, { orderBy: { seq: 'asc' }, limit });
  if (!deliveries.length) return [];
  const events = new Map((await em.find(TenantEvent, { id: { $in: deliveries.map((d) => d.eventId) } })).map((e) => [e.id, e]));
  return deliveries.flatMap((delivery) => {
    const event = events.get(delivery.eventId);
    return event ? [{ delivery, event }] : [];
  });
}

/** When the endpoint's next pending delivery is due (null: none pending). */
export async function nextDueAt(em: EntityManager, endpointId: string): Promise<Date | null> {
  const rows = await em
    .getConnection()
    .execute<{ at: Date | null }[]>(`select min(next_attempt_at) as at from event_delivery where endpoint_id = ? and status = 'pending'`, [endpointId]);
  const at = rows[0]?.at;
  return at ? new Date(at) : null;
}

/** Fails every pending delivery of a disabled endpoint (a replay re-queues them once it is enabled again). */
export async function failPendingDeliveries(em: EntityManager, endpointId: string, reason: string): Promise<number> {
  return em.nativeUpdate(EventDelivery, { endpointId, status: 'pending' }, { status: 'failed', nextAttemptAt: null, lastError: reason.slice(0, 500) });
}

export function listDeliveries(
  em: EntityManager,
  tenantId: string,
  endpointId: string,
  options: { cursor?: string; limit: number; status?: EventDeliveryStatus },
): Promise<Page<EventDelivery>> {
  return keysetPage(
    em,
    EventDelivery,
    { tenantId, endpointId, ...(options.status ? { status: options.status } : {}) },
    { cursor: options.cursor, limit: options.limit, order: 'desc' },
  );
}

export function getDelivery(em: EntityManager, tenantId: string, endpointId: string, id: string): Promise<EventDelivery | null> {
  return em.findOne(EventDelivery, { id, tenantId, endpointId });
}

export function listAttempts(
  em: EntityManager,
  tenantId: string,
  deliveryId: string,
  options: { cursor?: string; limit: number },
): Promise<Page<EventDeliveryAttempt>> {
  return keysetPage(em, EventDeliveryAttempt, { tenantId, deliveryId }, { ...options, order: 'asc' });
}

/** At most this many deliveries are re-queued by one replay; the answer says when there were more. */
export const REPLAY_LIMIT = 10_000;

/**
 * Re-queues the endpoint's deliveries created at or after `since` (only the failed ones with `onlyFailed`, else
 * every one not pending): due at once with a fresh schedule, their attempt records kept. Oldest first, bounded by
 * REPLAY_LIMIT; NOTIFY wakes the relays on commit.
 */
export async function replayDeliveries(
  em: EntityManager,
  tenantId: string,
  endpointId: string,
  input: { since: Date; onlyFailed: boolean },
): Promise<{ requeued: number; more: boolean }> {
  return em.transactional(async (tem) => {
    const conn = tem.getConnection();
    const statuses = input.onlyFailed ? ['failed'] : ['failed', 'delivered'];
    const rows = await conn.execute<{ id: string }[]>(
      `update event_delivery set status = 'pending', attempts = 0, next_attempt_at = now(), dispatched_at = null, delivered_at = null
       where id in (select id from event_delivery where tenant_id = ? and endpoint_id = ? and created_at >= ? and status in (?)
                    order by seq limit ?)
       returning id`,
      [tenantId, endpointId, input.since, statuses, REPLAY_LIMIT],
      'all',
    );
    if (rows.length) await conn.execute(`select pg_notify(?, '')`, [EVENT_DELIVERY_CHANNEL]);
    // A full page may leave more behind: the caller replays again (those now pending are not taken twice).
    return { requeued: rows.length, more: rows.length === REPLAY_LIMIT };
  });
}
