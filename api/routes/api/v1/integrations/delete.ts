import type { AppContext } from '../../../../context.ts';
import { integrationsOf } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/** DELETE /api/v1/integrations/:id — 204; removes its logs and events too. */
export async function deleteIntegration(ctx: AppContext): Promise<void> {
  await integrationsOf(ctx).delete(integrationIdParam(ctx));
  ctx.status = 204;
}
