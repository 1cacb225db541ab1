import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { deliveriesPendingSignal, type EventEndpointWorkflowInput } from './event-endpoint.messages.ts';

export * from './event-endpoint.messages.ts';

/** A batch heartbeats per delivery, so a worker that dies mid-batch is noticed and the batch runs again (at least once, same `webhook-id`). */
const { deliverEventBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** With nothing pending, wait this long for the next wake-up before completing (a new delivery starts a new run). */
const IDLE_MS = 60_000;
const MAX_BATCHES_PER_RUN = 200;

/**
 * `event-endpoint:<endpointId>`: delivers the endpoint's due deliveries in creation order, many per activity,
 * then sleeps until the next one is due or the relay signals; each delivery keeps its own schedule, so one that
 * fails never holds back the ones after it.
 */
export async function eventEndpointWorkflow(input: EventEndpointWorkflowInput): Promise<{ batches: number }> {
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
    const result = await deliverEventBatch({ endpointId: input.endpointId });
    batches++;
    nextDueInMs = result.nextDueInMs;
    if (result.more) woken = true;
    if (batches >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof eventEndpointWorkflow>({ endpointId: input.endpointId, batchesBefore: (input.batchesBefore ?? 0) + batches });
    }
  }
  return { batches: (input.batchesBefore ?? 0) + batches };
}
