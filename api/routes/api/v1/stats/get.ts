import { z } from 'zod';
import { tenantStats } from '../../../../../db/repositories/stats.repository.ts';
import { tenantUptime } from '../../../../../db/repositories/uptime.repository.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { uptimeWindow } from './window.ts';

export const query = z.object({ window: uptimeWindow }).strict();

function rate(numerator: number, denominator: number) {
  return { value: denominator ? numerator / denominator : null, numerator, denominator };
}

/**
 * GET /api/v1/stats?window — the seed's success metrics from this tenant's data:
 * connection success rate (flows opened in the last 30 days that ended connected), integration uptime
 * (time-weighted over `window`, default 30 days: seconds connected integrations were `active` ÷ seconds they were
 * connected, from the status history), webhook processing success (last 7 days; an event still to be retried is
 * not counted until it is processed or has used its attempts).
 */
export async function getStats(ctx: AppContext): Promise<void> {
  const { window } = query.parse(ctx.query);
  const tenantId = tenantIdOf(ctx);
  const [{ flows, events }, uptime] = await Promise.all([
    tenantStats(ctx.state.em, tenantId),
    tenantUptime(ctx.state.em.fork(), tenantId, { windowMs: window.ms }),
  ]);
  ok(ctx, {
    connectionSuccessRate: { ...rate(flows.connected, flows.finished), target: 0.9, window: '30d' },
    integrationUptime: {
      ...rate(uptime.healthySeconds, uptime.connectedSeconds),
      target: 0.95,
      window: window.label,
      /** numerator and denominator are seconds; this many integrations were connected in the window. */
      unit: 'seconds',
      integrations: uptime.integrations,
    },
    webhookSuccessRate: { ...rate(events.processed, events.done), target: 0.98, window: '7d' },
  });
}
