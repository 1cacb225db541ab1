import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { slowLaneQueueFrom } from './task-queues.ts';
import { eventsPendingSignal, type WebhookBatchWorkflowInput, type WebhookLane } from './webhook.messages.ts';

export * from './webhook.messages.ts';

/**
 * A batch handles many events per call; it heartbeats per event, so a worker that dies mid-batch is noticed
 * within the heartbeat timeout and the batch runs again from the first event not yet marked (forwards are
 * at least once, with the same `webhook-id`).
 */
const BATCH_ACTIVITY = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
} as const;
const { processWebhookBatch } = proxyActivities<Activities>(BATCH_ACTIVITY);

/** With nothing pending, wait this long for the next wake-up before completing (a new event starts a new run). */
const IDLE_MS = 60_000;
const MAX_BATCHES_PER_RUN = 200;

/**
 * `webhooks:<integrationId>`: processes the integration's pending webhook events in order (docs/architecture.md: the outbox
 * is the buffer). Each run handles one integration only, so a failing forward target delays its own events and
 * nobody else's, and a flood of one integration holds at most one activity slot at a time. A receiver that does not
 * answer within the fast-lane time moves the integration's batches to the slow lane (an activity-only queue with
 * its own slots) until a batch there is answered in time, so receivers that hang never hold the webhooks queue's
 * slots for long (docs/architecture.md "Slow receivers"). In the fast lane the activity is scheduled exactly as
 * before the lanes, so histories recorded earlier replay unchanged.
 */
export async function webhookBatchWorkflow(input: WebhookBatchWorkflowInput): Promise<{ batches: number }> {
  const slowLane = proxyActivities<Activities>({ ...BATCH_ACTIVITY, taskQueue: slowLaneQueueFrom(workflowInfo().taskQueue) });
  let lane: WebhookLane = input.lane ?? 'fast';
  let woken = true;
  setHandler(eventsPendingSignal, () => {
    woken = true;
  });
  let batches = 0;
  for (;;) {
    if (!woken && !(await condition(() => woken, IDLE_MS))) break;
    woken = false;
    const result =
      lane === 'slow'
        ? await slowLane.processWebhookBatch({ integrationId: input.integrationId, lane })
        : await processWebhookBatch({ integrationId: input.integrationId });
    batches++;
    // The event the fast lane abandoned is next, in the slow lane; or the receiver answers in time again.
    if (result.moveTo) lane = result.moveTo;
    if (result.moveTo === 'slow') woken = true;
    if (result.retryInMs !== undefined) {
      // A forward failed transiently: this integration's later events wait, in order, for its retry.
      await sleep(Math.max(1, result.retryInMs));
      woken = true;
    } else if (result.more) woken = true;
    if (batches >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      // Signals that arrived in this run are not lost: the next run starts with a batch.
      return continueAsNew<typeof webhookBatchWorkflow>({
        integrationId: input.integrationId,
        batchesBefore: (input.batchesBefore ?? 0) + batches,
        ...(lane === 'slow' ? { lane } : {}),
      });
    }
  }
  return { batches: (input.batchesBefore ?? 0) + batches };
}
