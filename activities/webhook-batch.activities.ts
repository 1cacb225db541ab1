import { heartbeat } from '@temporalio/activity';
import { Integration } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { failEvent, finishEvents, nextPendingEvents } from '../db/repositories/webhook-dispatch.repository.ts';
import type { WebhookBatchResult } from '../workflows/webhook.messages.ts';
import type { ActivityDeps } from './deps.ts';
import { createWebhookProcessing } from './webhook-processing.ts';

/** Events read per batch, and how long one batch may run before it hands back (and heartbeats continue). */
const BATCH_SIZE = 200;
const BATCH_BUDGET_MS = 20_000;
/** The backoff between delivery attempts (the receiver's Retry-After wins); `attemptLimit` bounds them. */
export const forwardBackoffMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * One batch of an integration's pending webhook events, oldest first: apply each to the integration, deliver
 * it when the tenant forwards, mark it. Ordered per integration: a delivery that should be retried stops the
 * batch there (the workflow sleeps for the backoff, and later events wait behind it); one that must not be
 * retried, or has used its attempts, is marked failed and the batch goes on. Change hints of a batch fold into
 * one sync request.
 */
export function createWebhookBatchActivities(deps: ActivityDeps) {
  const { orm, providers } = deps;
  const { applyEvent, requestSync, deliverEvent } = createWebhookProcessing(deps);

  return {
    async processWebhookBatch(input: { integrationId: string }): Promise<WebhookBatchResult> {
      const em = orm.em.fork();
      const integration = await em.findOne(Integration, { id: input.integrationId });
      if (!integration) return { processed: 0, failed: 0, more: false };
      const def = await providers.resolve(em, integration.tenantId, integration.provider);
      const events = await nextPendingEvents(em, integration.id, BATCH_SIZE);
      const started = Date.now();
      const unmarked: string[] = [];
      let processed = 0;
      let failed = 0;
      let hinted: string | undefined;
      let retryInMs: number | undefined;
      let stoppedEarly = false;
      for (const event of events) {
        heartbeat({ processed });
        const action = await applyEvent(em, def, integration, event, { syncHints: false });
        if (action === 'sync_hint') hinted ??= `webhook ${event.eventType}`;
        const outcome = await deliverEvent(em, integration, event);
        if (outcome.kind === 'retry' && event.attempts + 1 < event.attemptLimit) {
          retryInMs = outcome.delayMs ?? forwardBackoffMs(event.attempts + 1);
          break;
        }
        if (outcome.kind !== 'delivered') {
          failed++;
          await failEvent(em, event.id, outcome.message);
          appendLog(em, {
            tenantId: event.tenantId,
            integrationId: event.integrationId,
            kind: 'webhook_failed',
            level: 'error',
            message: `Event ${event.id} (${event.eventType}) failed: ${outcome.message}`.slice(0, 2000),
          });
          await em.flush();
          continue;
        }
        processed++;
        // Delivered events are marked one by one (a batch that dies re-delivers only the one in flight);
        // the others together at the end.
        if (typeof integration.settings.forwardUrl === 'string') await finishEvents(em, [event.id]);
        else unmarked.push(event.id);
        if (Date.now() - started > BATCH_BUDGET_MS) {
          stoppedEarly = true;
          break;
        }
      }
      if (hinted) await requestSync(def, integration, hinted);
      await finishEvents(em, unmarked);
      return {
        processed,
        failed,
        more: retryInMs === undefined && (stoppedEarly || events.length === BATCH_SIZE),
        ...(retryInMs !== undefined ? { retryInMs } : {}),
      };
    },
  };
}
