/** The raw Temporal baseline of bench/webhook-ingest.ts: one workflow, one no-op activity. */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(input: { id: string }): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export async function noopWorkflow(input: { id: string }): Promise<void> {
  await noop(input);
}
