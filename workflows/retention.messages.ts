/** The retention run's ids, imported by the worker that keeps its schedule and by tests. */
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';

/** One schedule per deployment (its TEMPORAL_TASK_QUEUE prefix), so deployments sharing a namespace keep their own. */
export const retentionScheduleId = (taskQueuePrefix: string) => `retention:${taskQueuePrefix}`;

export interface RetentionResult {
  /** Rows deleted by the run, by table. */
  deleted: Record<string, number>;
  batches: number;
  /** False when the run stopped at its time budget with rows left: the next run goes on. */
  complete: boolean;
}
