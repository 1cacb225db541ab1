import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * POST /api/v1/integrations/:id/disconnect — revoke at the provider and clear local tokens (REQ-16); the
 * local state is cleared even when the provider's revocation fails.
 */
export async function disconnectIntegration(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const id = integrationIdParam(ctx);
  const integration = await repo.get(id);
  const result = await connectionsOf(ctx.deps).disconnect({ em: ctx.state.em, integration }, 'disconnected by the tenant');
  ctx.state.em.clear();
  ok(ctx, { status: (await repo.get(id)).status, revoked: result.revoked, detail: result.detail });
}
