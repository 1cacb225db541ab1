import { defineSignal } from '@temporalio/workflow';

/** The sync workflow's ids, input and messages, imported by the API, activities and tests. */
export interface SyncWorkflowInput {
  integrationId: string;
  reason: string;
  /** Wait this long after the last hint before syncing (webhook change hints). */
  debounceMs?: number;
}

export const SYNC_WORKFLOW_TYPE = 'syncWorkflow';
export const syncHintSignal = defineSignal<[]>('syncHint');

export const syncScheduleId = (integrationId: string) => `sync:${integrationId}`;
export const syncNowWorkflowId = (integrationId: string) => `sync-now:${integrationId}`;
export const syncHintWorkflowId = (integrationId: string) => `sync-hint:${integrationId}`;
