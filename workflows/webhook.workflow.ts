import { ActivityFailure, ApplicationFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { WebhookWorkflowInput } from './webhook.messages.ts';

export * from './webhook.messages.ts';

/** Our own bookkeeping: retried until Postgres and Temporal answer. */
const { applyWebhookEvent, markWebhookEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: ['WebhookEventNotFound'] },
});
/**
 * The same apply step as a local activity: it only touches our database and Temporal (no tenant I/O), so it
 * runs inside the workflow task without a round trip through the task queue.
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: ['WebhookEventNotFound'] },
});
/** Delivery to the tenant: bounded exponential backoff; Retry-After is honoured by the activity (nextRetryDelay). */
const { forwardWebhookEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['ForwardRejected', 'ForwardNotConfigured', 'WebhookEventNotFound'],
  },
});

/**
 * One run per accepted event (`webhook:<eventId>`, docs/architecture.md): apply it to the integration (provider
 * revocations signal the connection workflow), forward it to the tenant, then mark it processed — or,
 * after the last attempt, failed with the error.
 */
export async function webhookWorkflow({ eventId }: WebhookWorkflowInput): Promise<'processed' | 'failed'> {
  try {
    const applied = patched('local-apply') ? await local.applyWebhookEvent({ eventId }) : await applyWebhookEvent({ eventId });
    // Since 'apply-marks-processed', applyWebhookEvent marks an event without forwarding itself.
    if (!applied.forward && patched('apply-marks-processed')) return 'processed';
    if (applied.forward) await forwardWebhookEvent({ eventId });
    await markWebhookEvent({ eventId, status: 'processed', error: null });
    return 'processed';
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error; // local activities fail with ActivityFailure too
    const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    await markWebhookEvent({ eventId, status: 'failed', error: message });
    return 'failed';
  }
}
