import { defineSignal } from '@temporalio/workflow';

/** The webhook workflow's id and input, imported by the API, the sweeper and tests. Ids only. */
export interface WebhookWorkflowInput {
  eventId: string;
}

export function webhookWorkflowId(eventId: string): string {
  return `webhook:${eventId}`;
}

export const WEBHOOK_WORKFLOW_TYPE = 'webhookWorkflow';

/**
 * Batched processing: one `webhooks:<integrationId>` workflow per integration with pending events. The
 * dispatcher wakes it with `eventsPending` (ids never travel: the events wait in PostgreSQL, the outbox), and
 * it processes them in order, a batch per activity, until none is left.
 */
export interface WebhookBatchWorkflowInput {
  integrationId: string;
  /** Batches run by earlier runs of this chain (continue-as-new), for the Temporal UI. */
  batchesBefore?: number;
}

export function webhookBatchWorkflowId(integrationId: string): string {
  return `webhooks:${integrationId}`;
}

export const WEBHOOK_BATCH_WORKFLOW_TYPE = 'webhookBatchWorkflow';
export const eventsPendingSignal = defineSignal<[]>('eventsPending');

/** What one batch did; `retryInMs` when a forward must be retried before later events of this integration. */
export interface WebhookBatchResult {
  processed: number;
  failed: number;
  more: boolean;
  retryInMs?: number;
}
