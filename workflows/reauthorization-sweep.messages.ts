/** The `integration.reauthorization_due` sweep's ids, imported by the worker that keeps its schedule and by tests. */
export const REAUTHORIZATION_SWEEP_WORKFLOW_TYPE = 'reauthorizationSweepWorkflow';

/** One schedule per deployment (its TEMPORAL_TASK_QUEUE prefix), so deployments sharing a namespace keep their own. */
export const reauthorizationSweepScheduleId = (taskQueuePrefix: string) => `reauthorization-sweep:${taskQueuePrefix}`;

export interface ReauthorizationSweepResult {
  checked: number;
  sent: number;
}
