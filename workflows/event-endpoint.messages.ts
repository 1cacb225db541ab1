import { defineSignal } from '@temporalio/workflow';
import type { WebhookLane } from './webhook.messages.ts';

/**
 * One `event-endpoint:<endpointId>` workflow per tenant event endpoint with pending deliveries (docs/architecture.md
 * "Tenant events"). The relay wakes it with `deliveriesPending`; ids only, the deliveries wait in PostgreSQL.
 */
export interface EventEndpointWorkflowInput {
  endpointId: string;
  /** Batches run by earlier runs of this chain (continue-as-new), for the Temporal UI. */
  batchesBefore?: number;
  /** `slow`: the endpoint did not answer in time, and its batches run in the webhooks slow lane (docs/architecture.md "Slow receivers"). */
  lane?: WebhookLane;
}

export function eventEndpointWorkflowId(endpointId: string): string {
  return `event-endpoint:${endpointId}`;
}

export const EVENT_ENDPOINT_WORKFLOW_TYPE = 'eventEndpointWorkflow';
export const deliveriesPendingSignal = defineSignal<[]>('deliveriesPending');

/** What one batch did; `nextDueInMs` when a pending delivery waits for a later attempt (null: none pending). */
export interface EventDeliveryBatchResult {
  delivered: number;
  failed: number;
  retrying: number;
  /** Deliveries already due were left for the next batch (size or time budget). */
  more: boolean;
  nextDueInMs: number | null;
  /**
   * Lane changes, as for webhook batches. `slow`: in the fast lane a delivery was not answered within the fast-lane
   * time; it was abandoned (no attempt recorded) and is next in the slow lane. `fast`: in the slow lane, every
   * delivery of the batch was answered in time.
   */
  moveTo?: WebhookLane;
}
