import { ApplicationFailure } from '@temporalio/common';
import { Integration, WebhookEvent } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { recordForwardAttempts } from '../db/repositories/webhook-events.repository.ts';
import type { ActivityDeps } from './deps.ts';
import { createWebhookProcessing, type WebhookAction } from './webhook-processing.ts';

export { parseRetryAfter } from './webhook-processing.ts';

/**
 * The per-event webhook workflow's activities (`webhook:<eventId>`, workflows/webhook.workflow.ts). New events
 * are processed in per-integration batches (activities/webhook-batch.activities.ts); these stay for the runs
 * started before, and share the processing itself with the batches (activities/webhook-processing.ts).
 */
export function createWebhookActivities(deps: ActivityDeps) {
  const { orm, providers } = deps;
  const { applyEvent, deliveryTarget, deliverEvent, received } = createWebhookProcessing(deps);

  async function load(eventId: string) {
    const em = orm.em.fork();
    const event = await em.findOne(WebhookEvent, { id: eventId });
    if (!event) throw ApplicationFailure.nonRetryable(`webhook event ${eventId} no longer exists`, 'WebhookEventNotFound');
    const integration = await em.findOne(Integration, { id: event.integrationId, tenantId: event.tenantId });
    if (!integration) throw ApplicationFailure.nonRetryable(`the integration of event ${eventId} no longer exists`, 'WebhookEventNotFound');
    return { em, event, integration };
  }

  return {
    /** Applies the event to its integration: provider revocations go to the connection workflow. */
    async applyWebhookEvent(input: { eventId: string }): Promise<{ forward: boolean; action: WebhookAction }> {
      const { em, event, integration } = await load(input.eventId);
      const def = await providers.resolve(em, integration.tenantId, integration.provider);
      const action = await applyEvent(em, def, integration, event);
      const forward = typeof integration.settings.forwardUrl === 'string';
      if (!forward) {
        // Nothing to deliver: done in this one activity (one round trip less per event), webhook.received with it.
        await em.transactional(async (tem) => {
          await tem.nativeUpdate(
            WebhookEvent,
            { id: event.id },
            { status: 'processed', processedAt: new Date(), errorMessage: null, attempts: event.attempts || 1, lastAttemptAt: new Date() },
          );
          await received(tem, integration, [event]);
        });
      }
      return { forward, action };
    },

    /** Delivers the event to the tenant; 429/5xx/timeouts retry (Retry-After honoured), other 4xx do not. */
    async forwardWebhookEvent(input: { eventId: string }): Promise<{ status: number }> {
      const { em, event, integration } = await load(input.eventId);
      const target = deliveryTarget(integration);
      if (!target) return { status: 0 };
      if (target.kind === 'rejected') throw ApplicationFailure.nonRetryable(target.message, target.type);
      await recordForwardAttempts(em, [event.id]);
      const outcome = await deliverEvent(target, integration, event);
      if (outcome.kind === 'delivered') return { status: outcome.status };
      if (outcome.kind === 'rejected') throw ApplicationFailure.nonRetryable(outcome.message, outcome.type);
      throw ApplicationFailure.create({ message: outcome.message, type: 'ForwardFailed', nextRetryDelay: outcome.delayMs });
    },

    async markWebhookEvent(input: { eventId: string; status: 'processed' | 'failed'; error: string | null }): Promise<void> {
      const em = orm.em.fork();
      const event = await em.findOne(WebhookEvent, { id: input.eventId });
      if (!event) return;
      event.status = input.status;
      event.errorMessage = input.error?.slice(0, 2000) ?? null;
      // Events without forwarding were processed in one attempt.
      if (event.attempts === 0) {
        event.attempts = 1;
        event.lastAttemptAt = new Date();
      }
      event.processedAt = input.status === 'processed' ? new Date() : null;
      if (input.status === 'processed') {
        // Written by the flush below, with the mark.
        const integration = await em.findOne(Integration, { id: event.integrationId, tenantId: event.tenantId });
        if (integration) await received(em, integration, [event]);
      }
      if (input.status === 'failed') {
        appendLog(em, {
          tenantId: event.tenantId,
          integrationId: event.integrationId,
          kind: 'webhook_failed',
          level: 'error',
          message: `Event ${event.id} (${event.eventType}) failed: ${event.errorMessage}`,
        });
      }
      await em.flush();
    },
  };
}
