import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { eventsPendingSignal, type WebhookBatchWorkflowInput } from './webhook.messages.ts';

export * from './webhook.messages.ts';

/**
 * A batch handles many events per call; it heartbeats per event, so a worker that dies mid-batch is noticed
 * within the heartbeat timeout and the batch runs again from the first event not yet marked (forwards are
 * at least once, with the same `webhook-id`).
 */
const { processWebhookBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** With nothing pending, wait this long for the next wake-up before completing (a new event starts a new run). */
const IDLE_MS = 60_000;
const MAX_BATCHES_PER_RUN = 200;

/**
 * `webhooks:<integrationId>`: processes the integration's pending webhook events in order (docs/architecture.md: the outbox
 * is the buffer). Each run handles one integration only, so a failing forward target delays its own events and
 * nobody else's, and a flood of one integration holds at most one activity slot at a time.
 */
export async function webhookBatchWorkflow(input: WebhookBatchWorkflowInput): Promise<{ batches: number }> {
  let woken = true;
  setHandler(eventsPendingSignal, () => {
    woken = true;
  });
  let batches = 0;
  for (;;) {
    if (!woken && !(await condition(() => woken, IDLE_MS))) break;
    woken = false;
    const result = await processWebhookBatch({ integrationId: input.integrationId });
    batches++;
    if (result.retryInMs !== undefined) {
      // A forward failed transiently: this integration's later events wait, in order, for its retry.
      await sleep(Math.max(1, result.retryInMs));
      woken = true;
    } else if (result.more) woken = true;
    if (batches >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      // Signals that arrived in this run are not lost: the next run starts with a batch.
      return continueAsNew<typeof webhookBatchWorkflow>({ integrationId: input.integrationId, batchesBefore: (input.batchesBefore ?? 0) + batches });
    }
  }
  return { batches: (input.batchesBefore ?? 0) + batches };
}
