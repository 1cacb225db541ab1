import { z } from 'zod';
import { tenantUptime } from '../../../../../db/repositories/uptime.repository.ts';
import { integrationsOf, ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { presentIntegration } from '../../../present.ts';
import { uptimeWindow } from '../stats/window.ts';
import { integrationIdParam } from './params.ts';

export const query = z.object({ window: uptimeWindow }).strict();

/** GET /api/v1/integrations/:id?window — with its time-weighted uptime over `window` (default 30 days). */
export async function getIntegration(ctx: AppContext): Promise<void> {
  const { window } = query.parse(ctx.query);
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  const authorizing = await repo.authorizationExpiries([integration]);
  const uptime = await tenantUptime(ctx.state.em, tenantIdOf(ctx), { windowMs: window.ms, integrationId: integration.id });
  const own = uptime.byIntegration.get(integration.id) ?? { healthySeconds: 0, connectedSeconds: 0 };
  ok(ctx, {
    ...presentIntegration(integration, repo, ctx.deps.env, authorizing.get(integration.id) ?? null),
    /** Seconds `active` ÷ seconds connected (`active` or `error`) in the window; null when never connected in it. */
    uptime: {
      value: own.connectedSeconds ? own.healthySeconds / own.connectedSeconds : null,
      healthySeconds: own.healthySeconds,
      connectedSeconds: own.connectedSeconds,
      window: window.label,
    },
  });
}
