import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

const DAY = 24 * 3600_000;

function rate(numerator: number, denominator: number) {
  return { value: denominator ? numerator / denominator : null, numerator, denominator };
}

/**
 * GET /api/v1/stats — the seed's success metrics from this tenant's data:
 * connection success rate (flows opened in the last 30 days that ended connected), integration uptime
 * (connected integrations that are healthy now), webhook processing success (last 7 days).
 */
export async function getStats(ctx: AppContext): Promise<void> {
  const tenantId = tenantIdOf(ctx);
  const db = ctx.state.em.getConnection();
  const since30 = new Date(Date.now() - 30 * DAY);
  const since7 = new Date(Date.now() - 7 * DAY);
  const [flows] = await db.execute<{ connected: number; finished: number }[]>(
    `select count(*) filter (where outcome = 'connected')::int as connected,
            count(*) filter (where opened_at is not null and (used_at is not null or expires_at < now()))::int as finished
       from oauth_flow where tenant_id = ? and created_at >= ?`,
    [tenantId, since30],
  );
  const [health] = await db.execute<{ active: number; connected: number }[]>(
    `select count(*) filter (where status = 'active')::int as active, count(*) filter (where status in ('active', 'error'))::int as connected
       from integration where tenant_id = ?`,
    [tenantId],
  );
  const [events] = await db.execute<{ processed: number; done: number }[]>(
    `select count(*) filter (where status = 'processed')::int as processed, count(*) filter (where status in ('processed', 'failed'))::int as done
       from webhook_event where tenant_id = ? and created_at >= ?`,
    [tenantId, since7],
  );
  ok(ctx, {
    connectionSuccessRate: { ...rate(flows!.connected, flows!.finished), target: 0.9, window: '30d' },
    integrationUptime: { ...rate(health!.active, health!.connected), target: 0.95, window: 'now' },
    webhookSuccessRate: { ...rate(events!.processed, events!.done), target: 0.98, window: '7d' },
  });
}
