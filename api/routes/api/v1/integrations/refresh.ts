import { AppError } from '../../../../../lib/errors.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/** POST /api/v1/integrations/:id/refresh — refresh now; concurrent calls share one refresh (REQ-12). */
export async function refreshIntegration(ctx: AppContext): Promise<void> {
  const integration = await integrationsOf(ctx).get(integrationIdParam(ctx));
  if (integration.status === 'pending' || integration.status === 'disconnected') {
    throw new AppError(409, 'not_connected', `The integration is ${integration.status}. Connect it first.`);
  }
  const outcome = await connectionsOf(ctx.deps).refreshNow({ em: ctx.state.em, integration });
  if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
  ok(ctx, { status: outcome.status, tokenExpiresAt: outcome.tokenExpiresAt ? new Date(outcome.tokenExpiresAt) : null });
}
