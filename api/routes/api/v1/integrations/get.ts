import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { presentIntegration } from '../../../present.ts';
import { integrationIdParam } from './params.ts';

/** GET /api/v1/integrations/:id */
export async function getIntegration(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  const authorizing = await repo.authorizationExpiries([integration]);
  ok(ctx, presentIntegration(integration, repo, ctx.deps.env, authorizing.get(integration.id) ?? null));
}
