import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { RetentionResult } from './retention.messages.ts';

export * from './retention.messages.ts';

/**
 * The activity heartbeats after every batch and stops starting batches after its budget (10 minutes,
 * activities/retention.activities.ts). A retry (a worker lost, PostgreSQL away) starts over: what went is gone, so it
 * only deletes what is left.
 */
const { deleteExpiredRows } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10s', maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/** One daily retention run (started by its Temporal Schedule, overlap skip; docs/operations.md "Retention"). */
export async function retentionWorkflow(): Promise<RetentionResult> {
  return deleteExpiredRows();
}
