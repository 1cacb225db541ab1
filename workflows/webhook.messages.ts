/** The webhook workflow's id and input, imported by the API, the sweeper and tests. Ids only. */
export interface WebhookWorkflowInput {
  eventId: string;
}

export function webhookWorkflowId(eventId: string): string {
  return `webhook:${eventId}`;
}

export const WEBHOOK_WORKFLOW_TYPE = 'webhookWorkflow';
