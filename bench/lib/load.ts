/**
 * A bounded keep-alive HTTP load generator that runs in its own worker thread, so the client does not
 * share the event loop (or the core) with the server it measures. Closed loop (max rate) or open loop
 * (fixed rate, latency measured from the scheduled send time so queueing is not hidden).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { signStandardWebhook } from '../../lib/webhooks/signatures.ts';
import { nodeCommand } from './spawn-ready.ts';

export interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  port: number;
  /** Requests to send in order; with `cycle`, reused from the start when exhausted. */
  requests?: LoadRequest[];
  /**
   * Instead of `requests`: `count` Standard Webhooks deliveries, signed in the load thread before the clock
   * starts (so the server's heap never holds them and they are not copied between threads).
   */
  standardWebhooks?: { path: string; secret: string; idPrefix: string; count: number };
  cycle?: boolean;
  seconds: number;
  /** Closed loop: this many clients back to back. */
  concurrency?: number;
  /** Open loop: requests per second (sockets up to `maxSockets`). */
  rate?: number;
  maxSockets?: number;
  /**
   * Open loop: send at the same rate for this long first and discard those results, so the figures do not
   * include this thread's and the server's cold start (first sockets, code not yet optimised).
   */
  warmupSeconds?: number;
  /**
   * Run in a process of its own, in a session of its own (Linux autogroup: its own CPU scheduling group), as a
   * client on another machine would: its waits for a core are then not charged to the server it measures. Without
   * it, the load runs in a thread of the benchmark's process, whose group it shares with every process the
   * benchmark started (worker, Temporal, PostgreSQL), so under a drain its own scheduling delays count in.
   */
  ownSession?: boolean;
  /** With `ownSession`: run that process under `chrt -r 1` (SCHED_RR; bench/lib/spawn-ready.ts). */
  realtime?: boolean;
}

export interface LoadResult {
  sent: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Count by HTTP status (0 = connection error). */
  statuses: Record<number, number>;
  /** Open loop: p99 of how late this thread sent a request against its schedule (its own wait for a core). */
  sendLateP99: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.ownSession) return runInOwnSession(options);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { loadOptions: options } });
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

const CHILD_ENV = 'PLUGBOARD_BENCH_LOAD_CHILD';

function runInOwnSession(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const [command, args] = nodeCommand([fileURLToPath(import.meta.url)], options.realtime);
    const child = spawn(command, args, {
      env: { ...process.env, [CHILD_ENV]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true, // setsid(): a session, and so a scheduling group, of its own
    });
    let result: LoadResult | undefined;
    child.once('message', (message: LoadResult) => {
      result = message;
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`load process exited (${code ?? signal})`))));
    // Ends with the benchmark, however it ends (the child is not in its process group).
    const stop = () => child.kill();
    process.once('exit', stop);
    child.once('exit', () => process.off('exit', stop));
    child.send(options);
  });
}

/** Signed Standard Webhooks deliveries of a benchmark item event (what `standardWebhooks` sends). */
export function signedDeliveries(spec: LoadOptions['standardWebhooks']): LoadRequest[] {
  if (!spec) throw new Error('runLoad needs requests or standardWebhooks');
  const ts = Math.floor(Date.now() / 1000) + 30; // inside the ±300 s window for the whole run
  return Array.from({ length: spec.count }, (_, i) => {
    const id = `${spec.idPrefix}${i.toString(36).padStart(7, '0')}`;
    const body = JSON.stringify({ type: 'item.updated', timestamp: new Date().toISOString(), data: { id: `item_${i}`, title: 'Benchmark event' } });
    return {
      method: 'POST',
      path: spec.path,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(body, spec.secret, id, ts),
      },
      body,
    };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function generate(options: LoadOptions): Promise<LoadResult> {
  const maxSockets = options.maxSockets ?? options.concurrency ?? 64;
  const agent = new Agent({ keepAlive: true, maxSockets });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const requests = options.requests ?? signedDeliveries(options.standardWebhooks);
  let next = 0;
  const take = (): LoadRequest | undefined => {
    if (next >= requests.length) {
      if (!options.cycle) return undefined;
      next = 0;
    }
    return requests[next++];
  };
  const send = (req: LoadRequest, from: number) =>
    new Promise<void>((resolve) => {
      const out = request({ host: '127.0.0.1', port: options.port, method: req.method, path: req.path, headers: req.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - from);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      out.on('error', () => {
        statuses[0] = (statuses[0] ?? 0) + 1;
        resolve();
      });
      out.end(req.body);
    });

  const late: number[] = [];
  const openLoop = async (seconds: number) => {
    const begun = performance.now();
    const interval = 1000 / options.rate!;
    const total = Math.floor(options.rate! * seconds);
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = begun + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const req = take();
      if (!req) break;
      late.push(Math.max(0, performance.now() - due));
      inflight.push(send(req, due));
    }
    await Promise.all(inflight);
  };
  if (options.rate && options.warmupSeconds) {
    await openLoop(options.warmupSeconds);
    latencies.length = 0;
    late.length = 0;
    for (const status of Object.keys(statuses)) delete statuses[Number(status)];
  }
  const started = performance.now();
  const end = started + options.seconds * 1000;
  if (options.rate) {
    await openLoop(options.seconds);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency ?? 16 }, async () => {
        for (let req = take(); req && performance.now() < end; req = take()) await send(req, performance.now());
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    sent: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
    statuses,
    sendLateP99: percentile(Float64Array.from(late).sort(), 0.99),
  };
}

if (!isMainThread && (workerData as { loadOptions?: LoadOptions } | null)?.loadOptions) {
  const result = await generate((workerData as { loadOptions: LoadOptions }).loadOptions);
  parentPort!.postMessage(result);
} else if (process.env[CHILD_ENV] && process.send) {
  process.once('message', (options: LoadOptions) => {
    void generate(options).then((result) => process.send!(result));
  });
  process.once('disconnect', () => process.exit(0));
}
