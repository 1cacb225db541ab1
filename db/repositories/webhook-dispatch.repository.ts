import type { EntityManager } from '@mikro-orm/postgresql';
import { WebhookEvent } from '../entities/index.ts';

/**
 * The outbox relay's queries (workers/webhook-dispatcher.ts). Events stay in PostgreSQL until a batch of their
 * integration's workflow reads them; a claim only records that some dispatcher has woken that workflow for
 * them, and when, so another dispatcher does not, and the sweep can wake it again after the lease.
 */

/** An integration (`id`) with pending events, and its tenant, whose fairness key its workflow runs with. */
export interface PendingIntegration {
  id: string;
  tenantId: string;
}

/**
 * Claims up to `limit` pending events no dispatcher has claimed, oldest first (SKIP LOCKED: dispatchers share
 * the queue): how many, and the integration of each (one entry per event: the relay wakes each integration once).
 */
export async function claimUndispatchedIntegrations(em: EntityManager, limit: number): Promise<{ claimed: number; keys: PendingIntegration[] }> {
  const rows = await em.getConnection().execute<PendingIntegration[]>(
    `update webhook_event set dispatched_at = now() where id in (
       select id from webhook_event where status = 'pending' and dispatched_at is null
       order by created_at limit ? for update skip locked)
     returning integration_id as id, tenant_id as "tenantId"`,
    [limit],
  );
  return { claimed: rows.length, keys: rows };
}

/**
 * Integrations with events still pending `olderThanMs` after their claim (their workflow ended before it saw
 * them, a dispatcher died before waking it, or a long backlog is still draining). The sweep wakes each again —
 * one signal per integration per sweep, harmless to a running workflow — and writes nothing: bumping the claims
 * would rewrite every pending row of a backlogged integration on each sweep.
 */
export function staleIntegrations(em: EntityManager, olderThanMs: number, limit: number): Promise<PendingIntegration[]> {
  return em.getConnection().execute<PendingIntegration[]>(
    `select distinct integration_id as id, tenant_id as "tenantId" from webhook_event
     where status = 'pending' and dispatched_at < now() - make_interval(secs => ?)
     limit ?`,
    [olderThanMs / 1000, limit],
  );
}

/** Hands the claims of these integrations back (their workflow could not be woken: Temporal unavailable). */
export async function releaseIntegrationClaims(em: EntityManager, integrationIds: string[]): Promise<void> {
  if (integrationIds.length)
    await em.getConnection().execute(`update webhook_event set dispatched_at = null where integration_id in (?) and status = 'pending'`, [integrationIds]);
}

/**
 * The integration's pending events in the order they arrived (a batch of its `webhooks:<id>` workflow). Read-only
 * and outside the identity map: a batch changes them with SQL, and every `em.transactional` would otherwise copy
 * the 200 managed rows into its fork and compare each with its snapshot at flush.
 */
export function nextPendingEvents(em: EntityManager, integrationId: string, limit: number): Promise<WebhookEvent[]> {
  return em.find(WebhookEvent, { integrationId, status: 'pending' }, { orderBy: { seq: 'asc' }, limit, disableIdentityMap: true });
}

/**
 * Marks events processed (events without a delivery count one attempt); inside `em.transactional`, in that
 * transaction (`em.execute`), beside the `webhook.received` tenant events it commits with.
 */
export async function finishEvents(em: EntityManager, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await em.execute(
    `update webhook_event set status = 'processed', processed_at = now(), error_message = null, attempts = greatest(attempts, 1), last_attempt_at = coalesce(last_attempt_at, now()) where id in (?) and status = 'pending'`,
    [ids],
  );
}

/** Marks an event failed with the reason (visible in the event log; a manual retry sets it pending again). */
export async function failEvent(em: EntityManager, id: string, message: string): Promise<void> {
  await em.execute(
    `update webhook_event set status = 'failed', processed_at = null, error_message = ?, attempts = greatest(attempts, 1), last_attempt_at = coalesce(last_attempt_at, now()) where id = ?`,
    [message.slice(0, 2000), id],
  );
}
