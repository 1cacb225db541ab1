import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WEBHOOK_WORKFLOW_TYPE, webhookWorkflowId } from '../../workflows/webhook.messages.ts';

/**
 * Starts the webhook workflow of an event. `retry` starts a new run of a finished one (manual retry);
 * otherwise an id that ran before is refused, so the ingest path and the sweeper can both try safely.
 */
export async function startWebhookWorkflow(
  client: Client,
  taskQueue: string,
  eventId: string,
  options: { retry?: boolean; timeoutMs?: number } = {},
): Promise<'started' | 'already'> {
  const start = () =>
    client.workflow.start(WEBHOOK_WORKFLOW_TYPE, {
      workflowId: webhookWorkflowId(eventId),
      taskQueue,
      args: [{ eventId }],
      workflowIdReusePolicy: options.retry ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
  try {
    // A deadline bounds the client's own retries: with Temporal down a start would otherwise wait long.
    await (options.timeoutMs ? client.withDeadline(Date.now() + options.timeoutMs, start) : start());
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already';
    throw error;
  }
}
