import { WebhookEvent } from '../../../../../db/entities/index.ts';
import { getWebhookEvent } from '../../../../../db/repositories/webhook-events.repository.ts';
import { conflict } from '../../../../../lib/errors.ts';
import { wakeWebhookBatch } from '../../../../../lib/webhooks/start.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { eventIdParam, presentEvent } from './list.ts';

const MANUAL_RETRY_ATTEMPTS = 6;

/**
 * POST /api/v1/webhook-events/:id/retry — a failed event goes back to pending with fresh attempts, and its
 * integration's `webhooks:<id>` workflow is woken to process it (in arrival order with the integration's other
 * pending events); a pending one only wakes that workflow. 202; 409 for a processed event. When Temporal
 * cannot be reached within 5 s the event stays as it was (503).
 */
export async function retryEvent(ctx: AppContext): Promise<void> {
  const em = ctx.state.em;
  const event = await getWebhookEvent(em, tenantIdOf(ctx), eventIdParam(ctx));
  if (event.status === 'processed') throw conflict('already_processed', 'This event was processed; nothing to retry.');
  const before = { status: event.status, errorMessage: event.errorMessage, attemptLimit: event.attemptLimit, dispatchedAt: event.dispatchedAt };
  // Attempts keep counting across retries; a retry grants a fresh set of them.
  Object.assign(event, { status: 'pending', errorMessage: null, attemptLimit: event.attempts + MANUAL_RETRY_ATTEMPTS, dispatchedAt: new Date() });
  await em.flush();
  try {
    await wakeWebhookBatch(
      ctx.deps.temporal.client,
      ctx.deps.temporal.queues.webhooks,
      { tenantId: event.tenantId, integrationId: event.integrationId },
      { timeoutMs: 5_000 },
    );
  } catch (error) {
    // Temporal unavailable: the event keeps its state, unless a batch has taken it up meanwhile.
    await em.nativeUpdate(WebhookEvent, { id: event.id, status: 'pending' }, before);
    throw error;
  }
  ok(ctx, presentEvent(event), 202);
}
