import { z } from 'zod';
import { incidentFacts, incidentsForTenant } from '../../../../../db/incidents.ts';
import { RECENT_INCIDENTS_MS } from '../../../../../lib/incidents.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

export const query = z.object({ status: z.enum(['open', 'all'], { error: 'status is open or all' }).default('all') }).strict();

/**
 * GET /api/v1/incidents?status=open|all — provider incidents that concern this tenant (docs/architecture.md
 * "Provider incidents"): of the providers it has integrations of, open ones and those resolved in the last 7 days,
 * newest first. Rates and failure classes only: no other tenant's integrations or counts.
 */
export async function listIncidents(ctx: AppContext): Promise<void> {
  const q = query.parse(ctx.query);
  const incidents = await incidentsForTenant(ctx.state.em, tenantIdOf(ctx), RECENT_INCIDENTS_MS, { openOnly: q.status === 'open' });
  ok(
    ctx,
    incidents.map((i) => incidentFacts(i)),
  );
}
