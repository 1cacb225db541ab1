import { randomBytes } from 'node:crypto';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * POST /api/v1/integrations/:id/forwarding-secret — creates (or rotates) the Standard Webhooks secret that
 * signs events forwarded to `settings.forwardUrl`. Shown once; store it in your app to verify deliveries.
 */
export async function rotateForwardingSecret(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await repo.update(integration.id, { secrets: { forwardSecret: secret } });
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { forwardSecret: secret }, 201);
}
