import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { Logger } from '../lib/logger.ts';
import { taskQueueOf, WORKLOADS, type Workload } from '../workflows/task-queues.ts';

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

export interface WorkerGroup {
  /** The task queues polled, by workload (plus `legacy`, the queue of runs started before the split). */
  queues: Record<string, string>;
  run(): Promise<void>;
  shutdown(): void;
}

/** Slots per workload: connection work is light and latency-bound; sync calls providers for minutes at a time. */
const DEFAULT_SLOTS: Record<Workload | 'legacy', { activities: number; workflowTasks: number }> = {
  connections: { activities: 50, workflowTasks: 20 },
  webhooks: { activities: 50, workflowTasks: 20 },
  sync: { activities: 10, workflowTasks: 10 },
  legacy: { activities: 10, workflowTasks: 5 },
};

/**
 * One Temporal worker per workload (workflows/task-queues.ts), each with its own slots, sharing one workflow
 * bundle and the activities from createActivities(deps): a backlog on one queue never takes the slots of
 * another. With `legacy` (the default when serving connections), the bare TEMPORAL_TASK_QUEUE is polled too, so
 * runs started before the split finish there (connection workflows move over at their next continue-as-new).
 */
export async function createWorkers(
  connection: NativeConnection,
  deps: ActivityDeps,
  options: { workloads?: readonly Workload[]; legacy?: boolean } = {},
): Promise<WorkerGroup> {
  const workloads = options.workloads ?? WORKLOADS;
  const prefix = deps.env.TEMPORAL_TASK_QUEUE;
  const queues: Record<string, string> = Object.fromEntries(workloads.map((w) => [w, taskQueueOf(prefix, w)]));
  if (options.legacy ?? workloads.includes('connections')) queues.legacy = prefix;
  const slots = { ...DEFAULT_SLOTS, ...deps.env.PLUGBOARD_WORKER_SLOTS };
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const activities = createActivities(deps);
  const workers = await Promise.all(
    Object.entries(queues).map(([kind, taskQueue]) =>
      Worker.create({
        connection,
        namespace: deps.env.TEMPORAL_NAMESPACE,
        taskQueue,
        workflowBundle,
        activities,
        shutdownGraceTime: '10s',
        maxConcurrentActivityTaskExecutions: slots[kind as Workload | 'legacy'].activities,
        maxConcurrentWorkflowTaskExecutions: slots[kind as Workload | 'legacy'].workflowTasks,
        ...(deps.env.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: deps.env.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS } : {}),
      }),
    ),
  );
  return {
    queues,
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
    async run() {
      // When one worker stops (failure or shutdown) the others stop too, so a failing process exits whole
      // and its supervisor restarts it.
      const stopAll = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
      const results = await Promise.allSettled(workers.map((w) => w.run().finally(stopAll)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
