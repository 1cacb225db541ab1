import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { syncHintSignal, type SyncWorkflowInput } from './sync.messages.ts';

export * from './sync.messages.ts';

/** Same error rules as refresh: auth failures stop (the connection workflow owns them); transient ones back off. */
const { runSync } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['SyncAuthFailed', 'IntegrationNotFound'],
  },
});

/**
 * One sync of an integration: started by its Temporal Schedule (overlap skip), by `POST …/sync`, or by
 * webhook change hints, which it debounces: hints arriving while it waits fold into this one run.
 */
export async function syncWorkflow(input: SyncWorkflowInput) {
  let lastHint = Date.now();
  let hintedDuringSync = false;
  let syncing = false;
  setHandler(syncHintSignal, () => {
    lastHint = Date.now();
    if (syncing) hintedDuringSync = true;
  });
  for (;;) {
    if (input.debounceMs) {
      // Wait until no hint has arrived for debounceMs.
      while (Date.now() - lastHint < input.debounceMs) {
        const seen = lastHint;
        await condition(() => lastHint !== seen, input.debounceMs - (Date.now() - lastHint));
      }
    }
    syncing = true;
    const counts = await runSync({ integrationId: input.integrationId, reason: input.reason });
    syncing = false;
    // A hint that arrived mid-run may describe a change the run missed: one more (debounced) run.
    if (!hintedDuringSync) return counts;
    hintedDuringSync = false;
  }
}
