import { WorkflowNotFoundError } from '@temporalio/client';
import { connectionWorkflowId, disconnectUpdate } from '../../../../../workflows/connection.messages.ts';
import { updateConnection } from '../../../../connections.ts';
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
    await updateConnection(ctx.deps, ctx.state.em, integration, disconnectUpdate, [{ reason: 'integration deleted' }]);
  }
  try {
    await ctx.deps.temporal.client.workflow.getHandle(connectionWorkflowId(integration.id)).terminate('integration deleted');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError))
      ctx.deps.logger.warn({ err: error, integrationId: integration.id }, 'could not terminate the connection workflow');
  }
  ctx.state.em.clear();
  await repo.delete(integration.id);
  ctx.status = 204;
}
