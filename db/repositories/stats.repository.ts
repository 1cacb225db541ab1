import type { EntityManager } from '@mikro-orm/postgresql';

const DAY = 24 * 3600_000;

/** Counts behind the seed's success metrics for one tenant (GET /api/v1/stats); uptime is db/repositories/uptime.repository.ts. */
export async function tenantStats(em: EntityManager, tenantId: string) {
  const db = em.getConnection();
  const since30 = new Date(Date.now() - 30 * DAY);
  const since7 = new Date(Date.now() - 7 * DAY);
  const [flows] = await db.execute<{ connected: number; finished: number }[]>(
    `select count(*) filter (where outcome = 'connected')::int as connected,
            count(*) filter (where opened_at is not null and (used_at is not null or expires_at < now()))::int as finished
       from oauth_flow where tenant_id = ? and created_at >= ?`,
    [tenantId, since30],
  );
  const [events] = await db.execute<{ processed: number; done: number }[]>(
    `select count(*) filter (where status = 'processed')::int as processed, count(*) filter (where status in ('processed', 'failed'))::int as done
       from webhook_event where tenant_id = ? and created_at >= ?`,
    [tenantId, since7],
  );
  return { flows: flows!, events: events! };
}

/**
 * The /metrics gauge's query, run on every scrape: `pending` and `failed` counted (index-only scans of
 * `webhook_event_status_created_at_index` over those statuses: a backlog and the failures, small on a healthy
 * system), and the table's row estimate (`pg_class.reltuples`, kept by autovacuum and ANALYZE; -1 before the first).
 * Counting `processed` too would read nearly the whole table, the largest one, every 15 s.
 */
export const WEBHOOK_EVENT_COUNTS_SQL = `select (select count(*) from webhook_event where status = 'pending')::int as pending,
  (select count(*) from webhook_event where status = 'failed')::int as failed,
  (select reltuples from pg_class where oid = 'webhook_event'::regclass)::float8 as estimate`;

/**
 * Stored webhook events by status, across tenants (the /metrics gauge): `pending` and `failed` exact, `processed`
 * the row estimate less those two (as fresh as the last autovacuum or ANALYZE; counted only while the table has never
 * been analyzed).
 */
export async function webhookEventCounts(em: EntityManager): Promise<Record<string, number>> {
  const db = em.getConnection();
  const [row] = await db.execute<{ pending: number; failed: number; estimate: number }[]>(WEBHOOK_EVENT_COUNTS_SQL);
  const { pending, failed, estimate } = row!;
  const processed =
    estimate >= 0
      ? Math.max(0, Math.round(estimate) - pending - failed)
      : (await db.execute<{ n: number }[]>(`select count(*)::int as n from webhook_event where status = 'processed'`))[0]!.n;
  return { pending, failed, processed };
}

/** Live and deleted synced records per model of one integration. */
export async function recordCounts(em: EntityManager, tenantId: string, integrationId: string) {
  return em
    .getConnection()
    .execute<{ model: string; live: number; deleted: number }[]>(
      'select model, count(*) filter (where deleted_at is null)::int as live, count(*) filter (where deleted_at is not null)::int as deleted from sync_record where tenant_id = ? and integration_id = ? group by model order by model',
      [tenantId, integrationId],
    );
}
