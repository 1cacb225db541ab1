import type { EntityManager } from '@mikro-orm/postgresql';

/** Statuses in which an integration counts as connected (the uptime's denominator), and the healthy one. */
export const CONNECTED_STATUSES = ['active', 'error'] as const;
export const HEALTHY_STATUS = 'active';

export interface UptimeTotals {
  /** Seconds spent `active` within the window. */
  healthySeconds: number;
  /** Seconds spent connected (`active` or `error`) within the window. */
  connectedSeconds: number;
}

export interface TenantUptime extends UptimeTotals {
  /** Integrations with connected time in the window. */
  integrations: number;
  byIntegration: Map<string, UptimeTotals>;
}

/**
 * Time-weighted uptime over `[now - windowMs, now]` from the status history (`integration_status_change`, written by
 * a trigger on every status change): each status lasts from its row until the next row of the same integration
 * (or `now`), clipped to the window. Healthy time is time `active`; the denominator is time connected (`active` or
 * `error`) — time pending (never connected) or disconnected (by the tenant) is not downtime. Time before an
 * integration's first row (its creation, or the migration that started the history) is unknown and not counted.
 * Tenant-scoped; `integrationId` narrows to one integration.
 */
export async function tenantUptime(
  em: EntityManager,
  tenantId: string,
  options: { windowMs: number; now?: Date; integrationId?: string },
): Promise<TenantUptime> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.windowMs);
  const rows = await em.getConnection().execute<{ integration_id: string; healthy: number; connected: number }[]>(
    `with h as (
       select s.integration_id, s.status, s.changed_at as from_at,
              coalesce(lead(s.changed_at) over (partition by s.integration_id order by s.changed_at, s.id), ?::timestamptz) as to_at
         from integration_status_change s join integration i on i.id = s.integration_id
        where i.tenant_id = ? ${options.integrationId ? 'and i.id = ?' : ''} and s.changed_at < ?::timestamptz
     )
     select integration_id,
            coalesce(sum(extract(epoch from least(to_at, ?::timestamptz) - greatest(from_at, ?::timestamptz))) filter (where status = '${HEALTHY_STATUS}'), 0)::float8 as healthy,
            coalesce(sum(extract(epoch from least(to_at, ?::timestamptz) - greatest(from_at, ?::timestamptz))) filter (where status in ('active', 'error')), 0)::float8 as connected
       from h where to_at > ?::timestamptz
      group by integration_id`,
    [now, tenantId, ...(options.integrationId ? [options.integrationId] : []), now, now, since, now, since, since],
  );
  const byIntegration = new Map<string, UptimeTotals>();
  let healthySeconds = 0;
  let connectedSeconds = 0;
  let integrations = 0;
  for (const r of rows) {
    byIntegration.set(r.integration_id, { healthySeconds: r.healthy, connectedSeconds: r.connected });
    healthySeconds += r.healthy;
    connectedSeconds += r.connected;
    if (r.connected > 0) integrations++;
  }
  return { healthySeconds, connectedSeconds, integrations, byIntegration };
}
