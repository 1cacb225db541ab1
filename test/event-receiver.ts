/**
 * A real HTTP receiver for the tests of forwarded and tenant events, and the event relay those tests run beside
 * their API: one copy instead of one per test file.
 */
import { createServer } from 'node:http';
import { startEventDispatcher } from '../workers/event-dispatcher.ts';
import type { TestApi } from './helpers.ts';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** When it arrived (epoch ms). */
  at: number;
}

export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface EventReceiver {
  /** Base URL, without a trailing slash: endpoints are `${url}/<path>`. */
  url: string;
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  /** The next requests to `path` get these answers, in order; then the path's fixed answer or the default. */
  script(path: string, answers: ReceiverAnswer[]): void;
  /** Every request to `path` gets this answer (after any scripted ones). */
  fix(path: string, answer: ReceiverAnswer): void;
  close(): Promise<void>;
}

/** Records every request; answers 200 `{"ok":true}` unless a path is scripted or fixed. */
export async function startEventReceiver(): Promise<EventReceiver> {
  const received: ReceivedRequest[] = [];
  const scripts = new Map<string, ReceiverAnswer[]>();
  const fixed = new Map<string, ReceiverAnswer>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = scripts.get(path)?.shift() ?? fixed.get(path) ?? { status: 200, body: '{"ok":true}' };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? `{"answer":${answer.status}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    script: (path, answers) => scripts.set(path, [...answers]),
    fix: (path, answer) => fixed.set(path, answer),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The tenant-event relay as the worker runs it, with a 1 s sweep and a 2 s lease so tests do not wait. */
export function startTestEventDispatcher(api: TestApi): { stop: () => Promise<void> } {
  return startEventDispatcher({
    orm: api.deps.orm,
    databaseUrl: api.deps.env.DATABASE_URL!,
    client: api.deps.temporal.client,
    taskQueue: api.deps.temporal.queues.webhooks,
    logger: api.deps.logger,
    sweepIntervalMs: 1000,
    leaseMs: 2000,
  });
}
