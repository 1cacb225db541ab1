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

/** Stored webhook events by status, across tenants (the /metrics gauge). */
export async function webhookEventCounts(em: EntityManager): Promise<Record<string, number>> {
  const rows = await em.getConnection().execute<{ status: string; n: number }[]>('select status, count(*)::int as n from webhook_event group by status');
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
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
