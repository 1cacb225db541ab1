/**
 * Worker memory (issue 13 item 1, docs/architecture.md "Worker memory"): the real worker process (`workers/main.ts`)
 * against the run's PostgreSQL and Temporal.
 * - Each queue's worker caches a bounded number of workflows, as the SDK compiled its options (the SDK's own
 *   default is sized from the V8 heap limit: about 2,400 per worker on a 4 GiB heap, 1.5 GiB of RSS at
 *   10,000 connections).
 * - The workflow bundle is built in a child process: webpack's compilation no longer stays in the worker's heap
 *   (idle RSS 570 MiB before, about 430 MiB after on the benchmark machine).
 * - A workflow thread's young generation is bounded (V8's default let each thread's new space reach 128 MiB under
 *   a burst of activations: the worker's RSS peak during the benchmark's connect flows).
 * - The legacy task queue (runs started before the split) gets a worker, and so a workflow thread, only while runs
 *   are open there.
 * - Every shipped command starts a worker with the same node flags (workers/node-flags.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stopChild } from '../scripts/services.ts';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../workers/node-flags.ts';
import { RETENTION_WORKFLOW_TYPE, type RetentionResult } from '../workflows/retention.messages.ts';
import { freshDatabase } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workers: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => stopChild(w)));
});

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

interface Running {
  cache: Record<string, number>;
  queues: Record<string, string>;
  legacy: string;
}

/** `workers/main.ts` as the shipped commands start it; resolves with its "worker running" line. */
async function startWorker(
  taskQueue: string,
  databaseUrl = inject('databaseUrl'),
  extra: Record<string, string> = {},
): Promise<{ worker: ChildProcess; running: Running; output: () => string }> {
  const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, 'workers/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...WORKER_NODE_ENV,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys'),
      PLUGBOARD_DATA_DIR: inject('dataDir'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      PUBLIC_URL: 'http://127.0.0.1:1',
      LOG_LEVEL: 'info',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(worker);
  let output = '';
  worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const running = await new Promise<Running>((resolve, reject) => {
    worker.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const line = output.split('\n').find((l) => l.includes('"worker running"'));
      if (line) resolve(JSON.parse(line) as Running);
    });
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output.slice(-3000)}`)));
  });
  return { worker, running, output: () => output };
}

describe('worker memory', () => {
  it('bounds each queue’s workflow cache, keeps the bundler out of the worker process and polls no empty legacy queue', { timeout: 120_000 }, async () => {
    const taskQueue = `memory-${randomBytes(4).toString('hex')}`;
    const { worker, running } = await startWorker(taskQueue);

    // Idle RSS: three workflow threads (one per queue) and the activities' dependencies, without webpack.
    await new Promise((r) => setTimeout(r, 3000));
    const rss = rssMiB(worker.pid!);
    expect(rss, `worker RSS ${rss.toFixed(0)} MiB at idle`).toBeLessThan(450);

    // The cache of every queue's worker, as the SDK compiled it; no run is open on this deployment's bare queue.
    expect(running.cache).toEqual({ connections: 1000, webhooks: 100, sync: 100 });
    expect(running.legacy).toBe('on demand');
    expect(Object.values(running.queues)).not.toContain(taskQueue);
  });

  /** A run on the bare queue, as the API started every workflow before the split: the retention run, in its own database. */
  async function legacyRun(client: Client, taskQueue: string) {
    const handle = await client.workflow.start(RETENTION_WORKFLOW_TYPE, { taskQueue, workflowId: `${taskQueue}-retention` });
    // Visibility is written asynchronously, and the worker finds the runs there through it.
    for (let i = 0; ; i++) {
      if ((await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).count > 0) return handle;
      if (i > 100) throw new Error('the legacy run never showed in visibility');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('serves the legacy task queue from the start when runs are open there, and they finish', { timeout: 120_000 }, async () => {
    const taskQueue = `legacy-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const handle = await legacyRun(new Client({ connection }), taskQueue);
      const { running } = await startWorker(taskQueue, await freshDatabase('legacy_queue'));
      expect(running.legacy).toBe('polled');
      expect(running.queues.legacy).toBe(taskQueue);
      expect(running.cache.legacy).toBe(20);
      expect(((await handle.result()) as RetentionResult).complete).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('starts serving the legacy task queue when a run appears there later (a rolling upgrade’s older API)', { timeout: 120_000 }, async () => {
    const taskQueue = `legacy-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const { running, output } = await startWorker(taskQueue, await freshDatabase('legacy_queue'), { PLUGBOARD_LEGACY_QUEUE_CHECK_MS: '500' });
      expect(running.legacy).toBe('on demand');
      const handle = await legacyRun(new Client({ connection }), taskQueue);
      expect(((await handle.result()) as RetentionResult).complete).toBe(true);
      expect(output()).toContain('runs found on the legacy task queue: polling it');
    } finally {
      await connection.close();
    }
  });

  it('every shipped command starts a worker with the same node flags and environment', () => {
    const runSh = readFileSync(path.join(ROOT, 'scripts/run.sh'), 'utf8');
    const workerLine = runSh.split('\n').find((l) => l.includes('workers/main.ts'))!;
    for (const flag of WORKER_NODE_FLAGS) expect(workerLine, 'scripts/run.sh').toContain(` ${flag} `);
    for (const [name, value] of Object.entries(WORKER_NODE_ENV)) expect(workerLine, 'scripts/run.sh').toContain(`${name}="\${${name}:-${value}}"`);

    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const commands = compose.split('\n').filter((l) => l.includes("'workers/main.ts'"));
    expect(commands.length, 'worker services in docker-compose.yml').toBeGreaterThanOrEqual(3);
    for (const command of commands) expect(command).toContain(`['node', ${WORKER_NODE_FLAGS.map((f) => `'${f}'`).join(', ')}, 'workers/main.ts'`);
    for (const [name, value] of Object.entries(WORKER_NODE_ENV)) expect(compose).toMatch(new RegExp(`^\\s+${name}: '${value}'$`, 'm'));

    const dev = readFileSync(path.join(ROOT, 'scripts/dev.ts'), 'utf8');
    expect(dev).toContain("startChild('worker', [...WORKER_NODE_FLAGS, 'workers/main.ts'], { ...WORKER_NODE_ENV, ...childEnv })");
  });

  it('bounds the young generation of a workflow thread under an allocation burst', { timeout: 60_000 }, () => {
    // In a child process (V8 flags are process-wide): the limits createWorkers sets before the SDK starts a
    // workflow thread, then a thread allocating as a burst of activations does (objects surviving a while).
    const script = `
      import { Worker } from 'node:worker_threads';
      import { setWorkflowThreadHeapLimits } from './workers/create-worker.ts';
      setWorkflowThreadHeapLimits(1000);
      const code = \`
        (async () => {
        const v8 = (await import('node:v8')).default;
        const { parentPort } = await import('node:worker_threads');
        const ring = new Array(300000);
        let max = 0;
        for (let i = 0; i < 6e6; i++) {
          ring[i % ring.length] = { i, s: 'x' + i };
          if (i % 100000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
        }
        parentPort.postMessage(max);
        })();
      \`;
      const thread = new Worker(code, { eval: true });
      thread.once('message', (max) => { console.log(JSON.stringify({ newSpaceMiB: max / 1048576 })); process.exit(0); });
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const { newSpaceMiB } = JSON.parse(out.trim().split('\n').at(-1)!) as { newSpaceMiB: number };
    // Two semi-spaces of at most 4 MiB and V8's page rounding (the default reached 128 MiB here).
    expect(newSpaceMiB, `workflow thread new space ${newSpaceMiB.toFixed(1)} MiB`).toBeLessThanOrEqual(16);
  });
});
