import { getWebhookEvent } from '../../../../../db/repositories/webhook-events.repository.ts';
import { conflict } from '../../../../../lib/errors.ts';
import { startWebhookWorkflow } from '../../../../../lib/webhooks/start.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { eventIdParam, presentEvent } from './list.ts';

/** POST /api/v1/webhook-events/:id/retry — a new run for a failed (or stuck) event; 202. */
export async function retryEvent(ctx: AppContext): Promise<void> {
  const event = await getWebhookEvent(ctx.state.em, tenantIdOf(ctx), eventIdParam(ctx));
  if (event.status === 'processed') throw conflict('already_processed', 'This event was processed; nothing to retry.');
  const before = { status: event.status, errorMessage: event.errorMessage };
  event.status = 'pending';
  event.errorMessage = null;
  await ctx.state.em.flush();
  let started: 'started' | 'already';
  try {
    started = await startWebhookWorkflow(ctx.deps.temporal.client, ctx.deps.temporal.queues.webhooks, event.id, { retry: true, timeoutMs: 5_000 });
  } catch (error) {
    // Temporal unavailable: the event keeps its failed state (a dispatcher would not retry a finished run).
    Object.assign(event, before);
    await ctx.state.em.flush();
    throw error;
  }
  if (started === 'already') throw conflict('retry_in_progress', 'This event is being processed right now.');
  ok(ctx, presentEvent(event), 202);
}
