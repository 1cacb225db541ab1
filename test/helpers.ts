/**
 * Test harness: a real API (Koa on a loopback port) over the run's real PostgreSQL and Temporal dev
 * server, with a log capture so tests can assert that no secret reached a log line (REQ-19).
 */
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from '../api/app.ts';
import type { AppDeps } from '../api/context.ts';
import { buildAppDeps, closeAppDeps } from '../api/deps.ts';
import { createWorkers, installTemporalRuntime, type WorkerGroup } from '../workers/create-worker.ts';
import { startWebhookDispatcher } from '../workers/webhook-dispatcher.ts';
import { assertKeyringMatches } from '../db/key-check.ts';
import { openOrm } from '../db/orm.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { loadEnv, type Env } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { parseKeyring, Vault } from '../lib/vault.ts';

export interface LogCapture {
  lines: string[];
  stream: Writable;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

/** The environment tests run with, pointing at the run's services. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys'),
    PLUGBOARD_DATA_DIR: inject('dataDir'),
    LOG_LEVEL: 'info',
    // Revocation tests expect the next request to see it.
    PLUGBOARD_API_KEY_CACHE_MS: '0',
    // The sandbox, the provider fakes and the forwarding receivers listen on loopback, which the outbound guard refuses by default.
    PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
    ...overrides,
  });
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApi {
  url: string;
  deps: AppDeps;
  logs: LogCapture;
  server: Server;
  worker?: WorkerGroup;
  request<T = any>(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<ApiResponse<T>>;
  newTenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  close(): Promise<void>;
}

/**
 * A real API on a loopback port with the sandbox provider mounted; with `worker: true`, also a real
 * Temporal worker (own task queue) running every workflow and activity in this process.
 */
export async function startTestApi(options: { env?: Record<string, string>; worker?: boolean } = {}): Promise<TestApi> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  // A worker brings a webhook dispatcher, which claims every pending event in its database: each one gets
  // a database of its own, so no dispatcher starts another test's events on its own task queue (production
  // runs one task queue per database).
  const own: Record<string, string> = options.worker && !options.env?.DATABASE_URL ? { DATABASE_URL: await freshDatabase('api') } : {};
  const env = testEnv({ PUBLIC_URL: url, PORT: String(port), TEMPORAL_TASK_QUEUE: `test-${Math.random().toString(36).slice(2, 10)}`, ...own, ...options.env });
  const logs = captureLogs();
  const logger = createLogger({ name: 'test-api', level: 'debug', destination: logs.stream });
  const orm = await openOrm(env.DATABASE_URL!);
  const vault = new Vault(parseKeyring(env.PLUGBOARD_ENCRYPTION_KEYS!));
  await assertKeyringMatches(orm.em.fork(), vault);
  const deps = await buildAppDeps({ env, orm, vault, logger });
  const { temporal } = deps;
  const app = createApp(deps);
  server.on('request', app.callback());
  let worker: WorkerGroup | undefined;
  let workerRun: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  let dispatcher: { stop: () => Promise<void> } | undefined;
  if (options.worker) {
    installTemporalRuntime(logger);
    workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    worker = await createWorkers(workerConnection, { env, orm, vault, logger, temporal: temporal.client, providers: deps.providers });
    workerRun = worker.run();
    dispatcher = startWebhookDispatcher({
      orm,
      databaseUrl: env.DATABASE_URL!,
      client: temporal.client,
      taskQueue: temporal.queues.webhooks,
      logger,
      sweepIntervalMs: env.PLUGBOARD_SWEEP_INTERVAL_MS,
      leaseMs: env.PLUGBOARD_SWEEP_MIN_AGE_MS,
    });
  }

  return {
    url,
    deps,
    logs,
    server,
    worker,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body, redirect: 'manual' });
      const text = await res.text();
      let parsed: unknown = text;
      if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed as never };
    },
    async newTenant(name = 'Test tenant') {
      const em = orm.em.fork();
      const tenant = await createTenant(em, name);
      const { plaintext } = await createApiKey(em, tenant.id, 'test');
      return { tenantId: tenant.id, apiKey: plaintext };
    },
    async close() {
      await dispatcher?.stop();
      if (worker) {
        worker.shutdown();
        await workerRun;
        await workerConnection?.close();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closeAppDeps(deps);
      await orm.close();
    },
  };
}

/** A new, migrated database on the run's PostgreSQL, for tests that need their own keyring or row counts. */
/** A new, migrated database on the run's PostgreSQL (or on the server of `on`). */
export async function freshDatabase(label: string, on = inject('databaseUrl')): Promise<string> {
  const base = new URL(on);
  base.pathname = `/${label}_${Math.random().toString(36).slice(2, 10)}`;
  const orm = await openOrm(base.toString());
  await orm.migrator.up();
  await orm.close();
  return base.toString();
}

/** Every string inside a Temporal history, payload bytes decoded (JSON.stringify would base64 them): for REQ-19 scans. */
export function* historyStrings(value: unknown): Generator<string> {
  if (value instanceof Uint8Array) {
    yield Buffer.from(value).toString('utf8');
    return;
  }
  if (typeof value === 'string') {
    yield value;
    return;
  }
  if (value && typeof value === 'object') for (const v of Object.values(value)) yield* historyStrings(v);
}

/** Polls `check` every 100 ms until it returns something truthy, which it returns; throws naming `what` after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs: number, what: string): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 100))) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
