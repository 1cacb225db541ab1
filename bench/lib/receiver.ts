/**
 * The tenant's webhook receiver for bench/webhook-flood.ts, in a worker thread of its own so that its load is
 * not charged to the API's event loop: answers 204 and counts deliveries by webhook-id.
 */
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

export interface ReceiverStats {
  deliveries: number;
  /** webhook-ids delivered more than once. */
  duplicates: number;
}

export async function startReceiver(): Promise<{ url: string; stats: () => Promise<ReceiverStats>; stop: () => Promise<void> }> {
  const worker = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve) => worker.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('stats');
      }),
    stop: async () => void (await worker.terminate()),
  };
}

if (!isMainThread) {
  const seen = new Map<string, number>();
  let deliveries = 0;
  const server = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    deliveries++;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage({ port: (server.address() as { port: number }).port }));
  parentPort!.on('message', () => parentPort!.postMessage({ deliveries, duplicates: [...seen.values()].filter((c) => c > 1).length } satisfies ReceiverStats));
}
