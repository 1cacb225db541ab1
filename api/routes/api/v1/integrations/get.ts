import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { presentIntegration } from '../../../present.ts';
import { integrationIdParam } from './params.ts';

/** GET /api/v1/integrations/:id */
export async function getIntegration(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  ok(ctx, presentIntegration(await repo.get(integrationIdParam(ctx)), repo, ctx.deps.env));
}
