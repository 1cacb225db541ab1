import { defineSignal } from '@temporalio/workflow';

/**
 * One `event-endpoint:<endpointId>` workflow per tenant event endpoint with pending deliveries (docs/architecture.md
 * "Tenant events"). The relay wakes it with `deliveriesPending`; ids only, the deliveries wait in PostgreSQL.
 */
export interface EventEndpointWorkflowInput {
  endpointId: string;
  /** Batches run by earlier runs of this chain (continue-as-new), for the Temporal UI. */
  batchesBefore?: number;
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
}
