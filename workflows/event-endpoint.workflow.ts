import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { deliveriesPendingSignal, type EventEndpointWorkflowInput } from './event-endpoint.messages.ts';
import { slowLaneQueueFrom } from './task-queues.ts';
import type { WebhookLane } from './webhook.messages.ts';

export * from './event-endpoint.messages.ts';

/** A batch heartbeats per delivery, so a worker that dies mid-batch is noticed and the batch runs again (at least once, same `webhook-id`). */
const BATCH_ACTIVITY = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
} as const;
const { deliverEventBatch } = proxyActivities<Activities>(BATCH_ACTIVITY);

/** With nothing pending, wait this long for the next wake-up before completing (a new delivery starts a new run). */
const IDLE_MS = 60_000;
const MAX_BATCHES_PER_RUN = 200;

/**
 * `event-endpoint:<endpointId>`: delivers the endpoint's due deliveries in creation order, many per activity,
 * then sleeps until the next one is due or the relay signals; each delivery keeps its own schedule, so one that
 * fails never holds back the ones after it. An endpoint that does not answer within the fast-lane time has its
 * batches run in the webhooks slow lane until one there is answered in time (docs/architecture.md "Slow
 * receivers"); in the fast lane the activity is scheduled as before the lanes, so earlier histories replay.
 */
export async function eventEndpointWorkflow(input: EventEndpointWorkflowInput): Promise<{ batches: number }> {
  const slowLane = proxyActivities<Activities>({ ...BATCH_ACTIVITY, taskQueue: slowLaneQueueFrom(workflowInfo().taskQueue) });
  let lane: WebhookLane = input.lane ?? 'fast';
  let woken = true;
  setHandler(deliveriesPendingSignal, () => {
    woken = true;
  });
  let batches = 0;
  let nextDueInMs: number | null = null;
  for (;;) {
    if (!woken) {
      const signalled = await condition(() => woken, nextDueInMs === null ? IDLE_MS : Math.max(1, nextDueInMs));
      if (!signalled && nextDueInMs === null) break;
    }
    woken = false;
    const result =
      lane === 'slow' ? await slowLane.deliverEventBatch({ endpointId: input.endpointId, lane }) : await deliverEventBatch({ endpointId: input.endpointId });
    batches++;
    nextDueInMs = result.nextDueInMs;
    if (result.moveTo) lane = result.moveTo;
    if (result.more || result.moveTo === 'slow') woken = true;
    if (batches >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof eventEndpointWorkflow>({
        endpointId: input.endpointId,
        batchesBefore: (input.batchesBefore ?? 0) + batches,
        ...(lane === 'slow' ? { lane } : {}),
      });
    }
  }
  return { batches: (input.batchesBefore ?? 0) + batches };
}
