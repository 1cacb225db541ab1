import { takePendingVerification } from '../../../../../db/repositories/webhook-verification.repository.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * POST /api/v1/integrations/:id/webhook-verification — the verification token a provider's handshake left
 * pending (Notion), shown once and removed: paste it into the provider to confirm the subscription, then set
 * it as `secrets.webhookSecret`. 404 `no_pending_verification` when none is waiting.
 */
export async function revealWebhookVerification(ctx: AppContext): Promise<void> {
  const token = await takePendingVerification(ctx.state.em, ctx.deps.vault, tenantIdOf(ctx), integrationIdParam(ctx));
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { verificationToken: token });
}
