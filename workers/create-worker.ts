import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { Logger } from '../lib/logger.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;

/** Routes the SDK's own log lines (WARN and above) into our JSON logger; once per process. */
export function installTemporalRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => {
        const level = entry.level === 'ERROR' ? 'error' : 'warn';
        logger[level]({ temporal: entry.meta }, entry.message);
      }),
    });
  } catch {
    // Already instantiated (a connection was opened first): keep the existing runtime.
  }
}

/** The worker: every workflow in workflows/ and every activity from createActivities(deps). */
export async function createWorker(connection: NativeConnection, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: deps.env.TEMPORAL_NAMESPACE,
    taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities(deps),
    shutdownGraceTime: '10s',
    ...(deps.env.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: deps.env.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS } : {}),
  });
}
