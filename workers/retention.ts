import type { Client } from '@temporalio/client';
import type { Env } from '../lib/env.ts';
import type { Logger } from '../lib/logger.ts';
import { RETENTION_WORKFLOW_TYPE, retentionScheduleId } from '../workflows/retention.messages.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';
import { ensureSchedule } from './schedules.ts';

/**
 * Keeps the Temporal Schedule of the daily retention run (workflows/retention.workflow.ts) at
 * PLUGBOARD_RETENTION_HOUR (UTC), on the connections queue like the reauthorization-due sweep
 * (workers/reauthorization-sweep.ts): created by the first worker serving that queue, updated by the next ones. One
 * schedule per deployment with overlap skip, so one run at a time however many workers run. Returns the schedule id.
 */
export function ensureRetentionSchedule(client: Client, env: Env): Promise<string> {
  return ensureSchedule(client, {
    scheduleId: retentionScheduleId(env.TEMPORAL_TASK_QUEUE),
    spec: { calendars: [{ hour: env.PLUGBOARD_RETENTION_HOUR, comment: 'daily retention run (UTC)' }] },
    workflowType: RETENTION_WORKFLOW_TYPE,
    taskQueue: taskQueueOf(env.TEMPORAL_TASK_QUEUE, 'connections'),
  });
}

/** At worker start: a failure is logged, never fatal (the next worker start tries again). */
export async function startRetention(client: Client, env: Env, logger: Logger): Promise<void> {
  try {
    const scheduleId = await ensureRetentionSchedule(client, env);
    logger.info({ scheduleId, hourUtc: env.PLUGBOARD_RETENTION_HOUR }, 'retention run scheduled');
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'retention run not scheduled; the next worker start tries again');
  }
}
