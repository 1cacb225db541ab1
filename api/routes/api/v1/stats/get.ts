import { tenantStats } from '../../../../../db/repositories/stats.repository.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

function rate(numerator: number, denominator: number) {
  return { value: denominator ? numerator / denominator : null, numerator, denominator };
}

/**
 * GET /api/v1/stats — the seed's success metrics from this tenant's data:
 * connection success rate (flows opened in the last 30 days that ended connected), integration uptime
 * (connected integrations that are healthy now), webhook processing success (last 7 days).
 */
export async function getStats(ctx: AppContext): Promise<void> {
  const { flows, health, events } = await tenantStats(ctx.state.em, tenantIdOf(ctx));
  ok(ctx, {
    connectionSuccessRate: { ...rate(flows.connected, flows.finished), target: 0.9, window: '30d' },
    integrationUptime: { ...rate(health.active, health.connected), target: 0.95, window: 'now' },
    webhookSuccessRate: { ...rate(events.processed, events.done), target: 0.98, window: '7d' },
  });
}
