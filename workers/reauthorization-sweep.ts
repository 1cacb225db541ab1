import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import { REAUTHORIZATION_SWEEP_WORKFLOW_TYPE, reauthorizationSweepScheduleId } from '../workflows/reauthorization-sweep.messages.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';

/**
 * Keeps the Temporal Schedule of the `integration.reauthorization_due` sweep (workflows/reauthorization-sweep.workflow.ts)
 * in line with PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL: created by the first worker serving the connections queue,
 * updated by the next ones. One schedule per deployment, so however many workers run, one sweep runs at a time
 * (overlap skip). Returns the schedule id.
 */
export async function ensureReauthorizationSweep(client: Client, env: Env): Promise<string> {
  const scheduleId = reauthorizationSweepScheduleId(env.TEMPORAL_TASK_QUEUE);
  const spec = { intervals: [{ every: env.PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: REAUTHORIZATION_SWEEP_WORKFLOW_TYPE,
    args: [],
    taskQueue: taskQueueOf(env.TEMPORAL_TASK_QUEUE, 'connections'),
    workflowId: scheduleId,
  };
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.update((previous) => ({ ...previous, spec, action: { ...previous.action, ...action } }));
    return scheduleId;
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } }).catch((error: Error) => {
    // Another worker created it between the update and here.
    if (error.name !== 'ScheduleAlreadyRunning') throw error;
  });
  return scheduleId;
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
