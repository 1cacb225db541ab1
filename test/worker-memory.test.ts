/**
 * Worker memory (issue 13 item 1, docs/architecture.md "Worker memory"): the real worker process (`workers/main.ts`)
 * against the run's PostgreSQL and Temporal.
 * - Each queue's worker caches a bounded number of workflows, as the SDK compiled its options (the SDK's own
 *   default is sized from the V8 heap limit: about 2,400 per worker on a 4 GiB heap, 1.5 GiB of RSS at
 *   10,000 connections).
 * - The workflow bundle is built in a child process: webpack's compilation no longer stays in the worker's heap
 *   (idle RSS 570 MiB before, about 430 MiB after on the benchmark machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
});
