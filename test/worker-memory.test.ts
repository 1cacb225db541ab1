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
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stopChild } from '../scripts/services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let worker: ChildProcess | undefined;

afterAll(async () => {
  if (worker) await stopChild(worker);
});

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

describe('worker memory', () => {
  it('bounds each queue’s workflow cache and keeps the bundler out of the worker process', { timeout: 120_000 }, async () => {
    worker = spawn(process.execPath, ['workers/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys'),
        PLUGBOARD_DATA_DIR: inject('dataDir'),
        TEMPORAL_TASK_QUEUE: `memory-${randomBytes(4).toString('hex')}`,
        PUBLIC_URL: 'http://127.0.0.1:1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const running = await new Promise<{ cache: Record<string, number>; queues: Record<string, string> }>((resolve, reject) => {
      worker!.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const line = output.split('\n').find((l) => l.includes('"worker running"'));
        if (line) resolve(JSON.parse(line) as { cache: Record<string, number>; queues: Record<string, string> });
      });
      worker!.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output.slice(-3000)}`)));
    });

    // Idle RSS: four workflow threads (one per queue) and the activities' dependencies, without webpack.
    await new Promise((r) => setTimeout(r, 3000));
    const rss = rssMiB(worker.pid!);
    expect(rss, `worker RSS ${rss.toFixed(0)} MiB at idle`).toBeLessThan(500);

    // The cache of every queue's worker, as the SDK compiled it.
    expect(running.cache).toEqual({ connections: 1000, webhooks: 100, sync: 100, legacy: 20 });
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
