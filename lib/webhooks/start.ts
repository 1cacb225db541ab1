import type { Client } from '@temporalio/client';
import { eventsPendingSignal, WEBHOOK_BATCH_WORKFLOW_TYPE, webhookBatchWorkflowId } from '../../workflows/webhook.messages.ts';

/**
 * Wakes the `webhooks:<integrationId>` workflow (starting it when none runs) to process the integration's
 * pending events. Idempotent: a running workflow just reads the outbox again.
 */
export async function wakeWebhookBatch(client: Client, taskQueue: string, integrationId: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const wake = () =>
    client.workflow.signalWithStart(WEBHOOK_BATCH_WORKFLOW_TYPE, {
      workflowId: webhookBatchWorkflowId(integrationId),
      taskQueue,
      args: [{ integrationId }],
      signal: eventsPendingSignal,
      signalArgs: [],
    });
  await (options.timeoutMs ? client.withDeadline(Date.now() + options.timeoutMs, wake) : wake());
}
