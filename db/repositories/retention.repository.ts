import type { EntityManager } from '@mikro-orm/postgresql';
import { idTimePrefix } from '../../lib/ids.ts';

/**
 * Retention's deletes (docs/operations.md "Retention"), across tenants like the other maintenance queries: each call
 * deletes one bounded batch of rows older than `cutoff` and says how many went, per table. A batch chooses its rows
 * with `for update skip locked` where something else may change them meanwhile: a row another transaction holds is
 * left for the next batch, and one changed since the statement began (a retried event, a replayed delivery, pending
 * again) is checked again on its new version, so it is not deleted.
 */

export const RETENTION_TABLES = [
  'webhook_event',
  'unrouted_webhook_event',
  'integration_log',
  'event_delivery',
  'event_delivery_attempt',
  'tenant_event',
  'oauth_flow',
  'invitation',
  'audit_entry',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];
export type RetentionCounts = Record<RetentionTable, number>;

/** The setting (PLUGBOARD_RETENTION_*_DAYS, lib/env.ts) that decides a table's age limit. */
export type RetentionSetting = 'webhookEvents' | 'unrouted' | 'logs' | 'eventDeliveries' | 'oneTimeTokens' | 'audit';

export interface RetentionStep {
  /** The table a batch walks: the batch is full when this count reaches the limit. */
  table: RetentionTable;
  setting: RetentionSetting;
  /** A step that starts only once this table has nothing left to delete in the run. */
  after?: RetentionTable;
  deleteBatch(em: EntityManager, cutoff: Date, limit: number): Promise<Partial<RetentionCounts>>;
}

/**
 * Every id made before `at` sorts below this string (lib/ids.ts): `id < idBefore(prefix, cutoff)` walks the primary
 * key over the old rows only, where a table has no index on its time column; the time column still decides.
 */
export const idBefore = idTimePrefix;

async function deleted(em: EntityManager, statement: string, params: unknown[]): Promise<number> {
  const [row] = await em.getConnection().execute<{ n: number }[]>(`with gone as (${statement} returning 1) select count(*)::int as n from gone`, params);
  return row?.n ?? 0;
}

/** The last thing that happened to a webhook event or a delivery: an old row a retry touched lately is not old. */
const EVENT_LAST_ACTIVITY = 'greatest(created_at, processed_at, last_attempt_at)';
const DELIVERY_LAST_ACTIVITY = 'greatest(created_at, last_attempt_at, delivered_at)';

/**
 * A step for a table whose ids are time-ordered and whose rows go once `column` is older than the cutoff: walks the
 * primary key below the cutoff's id (`idBefore`), the time column still decides.
 */
function byIdAndTime(table: RetentionTable, setting: RetentionSetting, idPrefix: string, column: string): RetentionStep {
  return {
    table,
    setting,
    async deleteBatch(em, cutoff, limit) {
      const n = await deleted(em, `delete from ${table} where id in (select id from ${table} where id < ? and ${column} < ? limit ?)`, [
        idBefore(idPrefix, cutoff.getTime()),
        cutoff,
        limit,
      ]);
      return { [table]: n };
    },
  };
}

export const RETENTION_STEPS: readonly RetentionStep[] = [
  {
    // Processed or failed only: a pending event is never deleted. Index: (status, created_at).
    table: 'webhook_event',
    setting: 'webhookEvents',
    async deleteBatch(em, cutoff, limit) {
      const n = await deleted(
        em,
        `delete from webhook_event where id in (
           select id from webhook_event where status in ('processed', 'failed') and created_at < ? and ${EVENT_LAST_ACTIVITY} < ?
           limit ? for update skip locked)`,
        [cutoff, cutoff, limit],
      );
      return { webhook_event: n };
    },
  },
  {
    // Index: (created_at).
    table: 'unrouted_webhook_event',
    setting: 'unrouted',
    async deleteBatch(em, cutoff, limit) {
      const n = await deleted(em, `delete from unrouted_webhook_event where id in (select id from unrouted_webhook_event where created_at < ? limit ?)`, [
        cutoff,
        limit,
      ]);
      return { unrouted_webhook_event: n };
    },
  },
  // Append-only.
  byIdAndTime('integration_log', 'logs', 'log', 'created_at'),
  {
    // Delivered or failed only (a pending delivery is being retried or waits for its endpoint), with their attempts
    // in the same statement. Deliveries walk the primary key; attempts go by (tenant_id, delivery_id).
    table: 'event_delivery',
    setting: 'eventDeliveries',
    async deleteBatch(em, cutoff, limit) {
      const [row] = await em.getConnection().execute<{ deliveries: number; attempts: number }[]>(
        `with chosen as (
           select id from event_delivery where id < ? and status in ('delivered', 'failed') and ${DELIVERY_LAST_ACTIVITY} < ?
           limit ? for update skip locked
         ), gone as (
           delete from event_delivery d using chosen where d.id = chosen.id returning d.id, d.tenant_id
         ), attempts as (
           delete from event_delivery_attempt a using gone where a.tenant_id = gone.tenant_id and a.delivery_id = gone.id returning 1
         )
         select (select count(*)::int from gone) as deliveries, (select count(*)::int from attempts) as attempts`,
        [idBefore('dlv', cutoff.getTime()), cutoff, limit],
      );
      return { event_delivery: row?.deliveries ?? 0, event_delivery_attempt: row?.attempts ?? 0 };
    },
  },
  {
    // An event once no delivery of it is left (after the deliveries above, or its endpoint's deletion): a new delivery
    // is only ever written with a new event (db/tenant-events.ts). Index: event_delivery (event_id).
    table: 'tenant_event',
    setting: 'eventDeliveries',
    after: 'event_delivery',
    async deleteBatch(em, cutoff, limit) {
      const n = await deleted(
        em,
        `delete from tenant_event where id in (
           select e.id from tenant_event e
            where e.id < ? and e.created_at < ? and not exists (select 1 from event_delivery d where d.event_id = e.id)
            limit ?)`,
        [idBefore('msg', cutoff.getTime()), cutoff, limit],
      );
      return { tenant_event: n };
    },
  },
  // Connect flows expire 10 minutes after they are made (db/repositories/oauth-flows.repository.ts), used or not.
  byIdAndTime('oauth_flow', 'oneTimeTokens', 'flw', 'expires_at'),
  // Invitations expire 7 days after they are made, accepted, revoked or not: a pending one never qualifies.
  byIdAndTime('invitation', 'oneTimeTokens', 'inv', 'expires_at'),
  byIdAndTime('audit_entry', 'audit', 'aud', 'at'),
];

export function emptyRetentionCounts(): RetentionCounts {
  return Object.fromEntries(RETENTION_TABLES.map((t) => [t, 0])) as RetentionCounts;
}
