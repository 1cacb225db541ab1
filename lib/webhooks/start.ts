import type { Client } from '@temporalio/client';
import { tenantPriority } from '../../workflows/task-queues.ts';
import { eventsPendingSignal, WEBHOOK_BATCH_WORKFLOW_TYPE, webhookBatchWorkflowId } from '../../workflows/webhook.messages.ts';

/**
 * Wakes the `webhooks:<integrationId>` workflow (starting it when none runs) to process the integration's
 * pending events. Idempotent: a running workflow just reads the outbox again. A run it starts carries the
 * tenant's fairness key (workflows/task-queues.ts `tenantPriority`), which its batches and next runs inherit.
 */
export async function wakeWebhookBatch(
  client: Client,
  taskQueue: string,
  integration: { tenantId: string; integrationId: string },
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const wake = () =>
    client.workflow.signalWithStart(WEBHOOK_BATCH_WORKFLOW_TYPE, {
      workflowId: webhookBatchWorkflowId(integration.integrationId),
      taskQueue,
      args: [{ integrationId: integration.integrationId }],
      signal: eventsPendingSignal,
      signalArgs: [],
      priority: tenantPriority(integration.tenantId),
    });
  await (options.timeoutMs ? client.withDeadline(Date.now() + options.timeoutMs, wake) : wake());
}
