import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * DELETE /api/v1/integrations/:id — 204. Revokes a connected integration at the provider first (REQ-16),
 * ends its workflow, then removes the row with its logs and events.
 */
export async function deleteIntegration(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  if (integration.status === 'active' || integration.status === 'error') {
    await connectionsOf(ctx.deps).disconnect({ em: ctx.state.em, integration }, 'integration deleted');
  }
  try {
    await connectionsOf(ctx.deps).terminate(integration.id, 'integration deleted');
  } catch (error) {
    ctx.deps.logger.warn({ err: error, integrationId: integration.id }, 'could not terminate the connection workflow');
  }
  ctx.state.em.clear();
  await repo.delete(integration.id);
  ctx.status = 204;
}
