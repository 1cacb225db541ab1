import type { Client } from '@temporalio/client';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import { REAUTHORIZATION_SWEEP_WORKFLOW_TYPE, reauthorizationSweepScheduleId } from '../workflows/reauthorization-sweep.messages.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';
import { ensureSchedule } from './schedules.ts';

/**
 * Keeps the Temporal Schedule of the `integration.reauthorization_due` sweep (workflows/reauthorization-sweep.workflow.ts)
 * in line with PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL: created by the first worker serving the connections queue,
 * updated by the next ones. One schedule per deployment, so however many workers run, one sweep runs at a time
 * (overlap skip). Returns the schedule id.
 */
export function ensureReauthorizationSweep(client: Client, env: Env): Promise<string> {
  return ensureSchedule(client, {
    scheduleId: reauthorizationSweepScheduleId(env.TEMPORAL_TASK_QUEUE),
    spec: { intervals: [{ every: env.PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL }] },
    workflowType: REAUTHORIZATION_SWEEP_WORKFLOW_TYPE,
    taskQueue: taskQueueOf(env.TEMPORAL_TASK_QUEUE, 'connections'),
  });
}

/** At worker start: a failure is logged, never fatal (the next worker start tries again). */
export async function startReauthorizationSweep(client: Client, env: Env, logger: Logger): Promise<void> {
  try {
    const scheduleId = await ensureReauthorizationSweep(client, env);
    logger.info({ scheduleId, everyMs: env.PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL }, 'reauthorization-due sweep scheduled');
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'reauthorization-due sweep not scheduled; the next worker start tries again');
  }
}
