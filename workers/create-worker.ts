import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { Logger } from '../lib/logger.ts';
import { slowLaneQueueFrom, taskQueueOf, WORKLOADS, type Workload } from '../workflows/task-queues.ts';
import { WORKFLOWS_PATH } from './bundle-workflows.ts';

export { WORKFLOWS_PATH };

const BUNDLER = fileURLToPath(new URL('./bundle-workflows.ts', import.meta.url));
let bundlePath: Promise<string> | undefined;

/**
 * The workflow bundle, built once per process by workers/bundle-workflows.ts in a child process: bundling
 * in-process left webpack and its compilation in the worker's heap (about 150 MiB of RSS, docs/architecture.md
 * "Worker memory"). The file lives in a temporary directory removed when the process exits.
 */
export function workflowBundlePath(): Promise<string> {
  bundlePath ??= new Promise<string>((resolve, reject) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-workflows-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'workflows.js');
    const child = spawn(process.execPath, [BUNDLER, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bundling the workflows failed (exit ${code}):\n${stderr.slice(-4000)}`))));
  }).catch((error: unknown) => {
    bundlePath = undefined;
    throw error;
  });
  return bundlePath;
}

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
  /** The task queues polled, by workload (plus `legacy` once it is polled: the queue of runs started before the split). */
  queues: Record<string, string>;
  /** Workflows each queue's worker keeps cached, as the SDK compiled its options (docs/architecture.md "Worker memory"). */
  cache: Record<string, number>;
  /**
   * The bare TEMPORAL_TASK_QUEUE of runs started before the split: `polled` from the start (runs are open there),
   * `on demand` (none open at start; checked every PLUGBOARD_LEGACY_QUEUE_CHECK_MS and polled from the first one found), or `off`.
   */
  legacy: 'polled' | 'on demand' | 'off';
  run(): Promise<void>;
  shutdown(): void;
}

/** Slots per workload: connection work is light and latency-bound; sync calls providers for minutes at a time. */
const DEFAULT_SLOTS: Record<Workload | 'webhooks-slow' | 'legacy', { activities: number; workflowTasks: number }> = {
  connections: { activities: 50, workflowTasks: 20 },
  webhooks: { activities: 50, workflowTasks: 20 },
  // The slow lane runs batches only (no workflow tasks): receivers that took longer than the fast-lane time.
  'webhooks-slow': { activities: 50, workflowTasks: 0 },
  sync: { activities: 10, workflowTasks: 10 },
  legacy: { activities: 10, workflowTasks: 5 },
};

/**
 * Workflows each queue's worker keeps in memory (sticky cache), unless PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS sets
 * one figure for all. The SDK's default is sized from the V8 heap limit (≈ 2,400 per worker on a 4 GiB heap, each
 * of the four workers), and a cached workflow costs about 0.3 MiB of RSS (its own copy of every module of the
 * bundle, with reuseV8Context, plus the SDK core's state): 10,000 connections cannot all stay cached in 1 GiB.
 * An evicted workflow is replayed from its history on its next task (connection histories stay short: they
 * continue as new every 100 wake-ups). The connections cache holds the workflows that wake often (short-lived
 * tokens); the others are mostly asleep or short-lived. See docs/architecture.md "Worker memory".
 */
const DEFAULT_CACHE: Record<Workload | 'legacy', number> = { connections: 1000, webhooks: 100, sync: 100, legacy: 20 };

/**
 * The old-space limit of the next workflow thread: 96 MiB (bundle, SDK, headroom) plus 0.2 MiB per cached
 * workflow (a cached connection workflow holds about 0.09 MiB live). The SDK starts its threads without
 * resource limits, so each inherited the process's default (4 GiB here) and V8 let garbage pile up to hundreds of
 * MiB before collecting it. V8 flags apply to isolates created after they are set; the main isolate keeps its own.
 */
export function workflowThreadHeapMiB(cache: number): number {
  return Math.ceil(96 + 0.2 * (cache === 0 ? 20 : cache));
}

/**
 * The young generation of a workflow thread: semi-spaces of at most WORKFLOW_THREAD_SEMI_SPACE_MIB. Without a
 * limit a thread's new space grows to 128 MiB under a burst of activations (V8's default for an isolate on a
 * machine with this much memory: 3 × 64 MiB young generation), four threads at once: that, not live workflows,
 * was the worker's RSS peak during the benchmark's 1,000 connect flows (docs/architecture.md "Worker memory").
 * Smaller semi-spaces mean more frequent, equally cheap scavenges.
 */
export const WORKFLOW_THREAD_SEMI_SPACE_MIB = 4;

/** The V8 flags the next workflow thread is created with (exported for test/worker-memory.test.ts). */
export function setWorkflowThreadHeapLimits(cache: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${workflowThreadHeapMiB(cache)}`);
  v8.setFlagsFromString(`--max-semi-space-size=${WORKFLOW_THREAD_SEMI_SPACE_MIB}`);
}

/**
 * One Temporal worker per workload (workflows/task-queues.ts), each with its own slots, sharing one workflow
 * bundle and the activities from createActivities(deps): a backlog on one queue never takes the slots of
 * another. A process serving connections also serves the bare TEMPORAL_TASK_QUEUE, where runs started before the
 * split finish (connection workflows move over at their next continue-as-new), but only while such runs are open:
 * its worker is a workflow thread and a V8 isolate of its own (≈ 30 MiB of RSS) that a deployment with no run
 * left there does not pay. It is created at start when Temporal's visibility counts a running workflow on that
 * queue, and otherwise as soon as a check (every PLUGBOARD_LEGACY_QUEUE_CHECK_MS, a minute) finds one: a run an older API process starts
 * there during a rolling upgrade waits at most that long. `legacy: true` polls it from the start.
 */
export async function createWorkers(
  connection: NativeConnection,
  deps: ActivityDeps,
  options: { workloads?: readonly Workload[]; legacy?: boolean } = {},
): Promise<WorkerGroup> {
  const workloads = options.workloads ?? WORKLOADS;
  const prefix = deps.env.TEMPORAL_TASK_QUEUE;
  const queues: Record<string, string> = Object.fromEntries(workloads.map((w) => [w, taskQueueOf(prefix, w)]));
  const slots = { ...DEFAULT_SLOTS, ...deps.env.PLUGBOARD_WORKER_SLOTS };
  // 0 turns the cache off (every task replays); otherwise at least 2 (the SDK's minimum).
  const cacheOf = (kind: Workload | 'legacy') => {
    const size = deps.env.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_CACHE[kind];
    return size === 0 ? 0 : Math.max(2, size);
  };
  const workflowBundle = { codePath: await workflowBundlePath() };
  const activities = createActivities(deps);
  // The webhooks slow lane: batches of integrations whose receiver did not answer in time (docs/architecture.md
  // "Slow receivers"), on slots of their own. Activities only: no workflow thread.
  const createSlowLane = (taskQueue: string) =>
    Worker.create({
      connection,
      namespace: deps.env.TEMPORAL_NAMESPACE,
      taskQueue,
      activities,
      shutdownGraceTime: '10s',
      maxConcurrentActivityTaskExecutions: slots['webhooks-slow'].activities,
    });
  const create = async (kind: Workload | 'legacy', taskQueue: string) => {
    // Each worker's workflow thread takes the V8 heap limits set just before it is created, so one at a time.
    setWorkflowThreadHeapLimits(cacheOf(kind));
    return Worker.create({
      connection,
      namespace: deps.env.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowBundle,
      activities,
      shutdownGraceTime: '10s',
      // One V8 context for all the workflows of a worker (the SDK's default since 1.9, stated so it stays).
      reuseV8Context: true,
      maxConcurrentActivityTaskExecutions: slots[kind].activities,
      // The SDK refuses more workflow-task slots than cached workflows (unless the cache is off).
      maxConcurrentWorkflowTaskExecutions: Math.min(slots[kind].workflowTasks, cacheOf(kind) || Infinity),
      maxCachedWorkflows: cacheOf(kind),
    });
  };
  /** Whether a workflow is running on the legacy queue; when visibility cannot say, it is assumed so. */
  const legacyRunsOpen = async (): Promise<boolean> => {
    try {
      const { count } = await deps.temporal.workflow.count(`TaskQueue = '${prefix}' AND ExecutionStatus = 'Running'`);
      return count > 0;
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message, taskQueue: prefix }, 'could not count the runs on the legacy task queue; polling it');
      return true;
    }
  };

  const serveLegacy = options.legacy ?? workloads.includes('connections');
  let legacy: WorkerGroup['legacy'] = 'off';
  if (serveLegacy) legacy = options.legacy === true || (await legacyRunsOpen()) ? 'polled' : 'on demand';
  if (legacy === 'polled') queues.legacy = prefix;
  if (workloads.includes('webhooks')) queues['webhooks-slow'] = slowLaneQueueFrom(queues.webhooks!);

  const workers: Worker[] = [];
  const kinds: string[] = [];
  for (const [kind, taskQueue] of Object.entries(queues)) {
    workers.push(kind === 'webhooks-slow' ? await createSlowLane(taskQueue) : await create(kind as Workload | 'legacy', taskQueue));
    kinds.push(kind);
  }
  const cache = Object.fromEntries(kinds.flatMap((kind, i) => (kind === 'webhooks-slow' ? [] : [[kind, workers[i]!.options.maxCachedWorkflows]])));

  let stopping = false;
  let wake = () => {};
  // When one worker stops (failure or shutdown) the others stop too, so a failing process exits whole and its
  // supervisor restarts it.
  const stopAll = () => {
    stopping = true;
    wake();
    workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  };
  const watchLegacy = async (): Promise<void> => {
    const checkMs = deps.env.PLUGBOARD_LEGACY_QUEUE_CHECK_MS;
    while (!stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, checkMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping || !(await legacyRunsOpen()) || stopping) continue;
      const worker = await create('legacy', prefix);
      workers.push(worker);
      queues.legacy = prefix;
      cache.legacy = worker.options.maxCachedWorkflows;
      legacy = 'polled';
      deps.logger.info({ taskQueue: prefix }, 'runs found on the legacy task queue: polling it');
      const running = worker.run().finally(stopAll);
      if (stopping) worker.shutdown();
      return running;
    }
  };

  return {
    queues,
    cache,
    get legacy() {
      return legacy;
    },
    shutdown: stopAll,
    async run() {
      const runs = workers.map((w) => w.run().finally(stopAll));
      if (legacy === 'on demand') {
        runs.push(
          watchLegacy().catch((error: unknown) => {
            stopAll();
            throw error;
          }),
        );
      }
      const results = await Promise.allSettled(runs);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
