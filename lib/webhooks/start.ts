import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WEBHOOK_WORKFLOW_TYPE, webhookWorkflowId } from '../../workflows/webhook.messages.ts';

/**
 * Starts the webhook workflow of an event. `retry` starts a new run of a finished one (manual retry);
 * otherwise an id that ran before is refused, so the ingest path and the sweeper can both try safely.
 */
export async function startWebhookWorkflow(client: Client, taskQueue: string, eventId: string, options: { retry?: boolean } = {}): Promise<'started' | 'already'> {
  try {
    await client.workflow.start(WEBHOOK_WORKFLOW_TYPE, {
      workflowId: webhookWorkflowId(eventId),
      taskQueue,
      args: [{ eventId }],
      workflowIdReusePolicy: options.retry ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already';
    throw error;
  }
}
