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
  /** `slow`: the integration's receiver did not answer in time, and its batches run in the slow lane (carried across continue-as-new). */
  lane?: WebhookLane;
}

/**
 * Where an integration's batches run (docs/architecture.md "Slow receivers"): the webhooks queue, where a forward
 * gets PLUGBOARD_WEBHOOK_FAST_LANE_MS to be answered, or the slow lane, an activity-only queue with its own slots,
 * where it gets the full forward timeout.
 */
export type WebhookLane = 'fast' | 'slow';

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
  /**
   * Lane changes. `slow`: in the fast lane, a forward was not answered within the fast-lane time; it was
   * abandoned (not counted as an attempt) and the event is next in the slow lane. `fast`: in the slow lane, every
   * forward of the batch was answered within the fast-lane time.
   */
  moveTo?: WebhookLane;
}
