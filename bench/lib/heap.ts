/**
 * Memory probe for a worker process under benchmark, loaded with `node --import ./bench/lib/heap.ts workers/main.ts`.
 *
 * The Temporal SDK runs workflows in worker threads (one V8 isolate per Worker instance), so the process's own
 * `v8.getHeapStatistics()` misses them. This preload wraps `worker_threads.Worker` (the SDK is CommonJS and reads
 * the constructor off the module object when it creates a thread) to keep a handle on every thread, then on
 * SIGWINCH (the SDK's Runtime takes SIGUSR2 as a shutdown signal) writes one JSON line to BENCH_HEAP_REPORT (appending): RSS, the main isolate's heap, each workflow
 * thread's heap, and, when BENCH_HEAP_SNAPSHOT_DIR is set and the report's phase file asks for it, a heap snapshot
 * of the main isolate and of each thread (for the per-object breakdown: see summarizeSnapshot).
 */
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const threads = require('node:worker_threads') as { Worker: typeof Worker };
const tracked: Worker[] = [];
const Original = threads.Worker;

if (process.env.BENCH_HEAP_REPORT) {
  class TrackedWorker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      tracked.push(this);
      this.once('exit', () => tracked.splice(tracked.indexOf(this), 1));
    }
  }
  threads.Worker = TrackedWorker;
  process.on('SIGWINCH', () => void report());
}

const MiB = 1024 * 1024;
const mib = (n: number) => Math.round((n / MiB) * 10) / 10;

export interface HeapReport {
  phase: string;
  at: number;
  rss: number;
  main: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  threads: { heapUsed: number; heapTotal: number; external: number }[];
  snapshots?: string[];
}

async function report(): Promise<void> {
  const out = process.env.BENCH_HEAP_REPORT!;
  const phaseFile = `${out}.phase`;
  const phase = existsSync(phaseFile) ? readFileSync(phaseFile, 'utf8').trim() : 'unknown';
  const mem = process.memoryUsage();
  const threadStats = await Promise.all(tracked.map((t) => t.getHeapStatistics().catch(() => undefined)));
  const line: HeapReport = {
    phase: phase.replace(/^snapshot:/, ''),
    at: Date.now(),
    rss: mib(mem.rss),
    main: { heapUsed: mib(mem.heapUsed), heapTotal: mib(mem.heapTotal), external: mib(mem.external), arrayBuffers: mib(mem.arrayBuffers) },
    threads: threadStats
      .filter((s) => s !== undefined)
      .map((s) => ({ heapUsed: mib(s.used_heap_size), heapTotal: mib(s.total_heap_size), external: mib(s.external_memory) })),
  };
  const dir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  if (dir && phase.startsWith('snapshot:')) {
    mkdirSync(dir, { recursive: true });
    const tag = line.phase.replace(/[^a-z0-9-]/gi, '_');
    const files = [v8.writeHeapSnapshot(path.join(dir, `${tag}-main.heapsnapshot`))];
    for (const [i, t] of tracked.entries()) {
      const file = path.join(dir, `${tag}-thread${i}.heapsnapshot`);
      const stream = await t.getHeapSnapshot();
      await pipeline(stream, createWriteStream(file));
      files.push(file);
    }
    line.snapshots = files;
  }
  appendFileSync(out, `${JSON.stringify(line)}\n`);
}
