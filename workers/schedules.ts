import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';

/**
 * Keeps one deployment-wide Temporal Schedule in line with the settings (the reauthorization-due sweep, the daily
 * retention run): the first worker to start creates it, the next ones update its spec and action. Overlap skip, so
 * one run at a time however many workers run. The workflow id is the schedule id. Returns the schedule id.
 */
export async function ensureSchedule(
  client: Client,
  options: { scheduleId: string; spec: ScheduleSpec; workflowType: string; taskQueue: string },
): Promise<string> {
  const { scheduleId, spec } = options;
  const action = { type: 'startWorkflow' as const, workflowType: options.workflowType, args: [], taskQueue: options.taskQueue, workflowId: scheduleId };
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
