/**
 * Webhook ingest benchmark (DESIGN.md §11), every number a ratio against a baseline measured in the same
 * run on the same machine:
 *   (i)   signed-webhook ingest req/s vs a bare Koa hello-world, same client (target ≥ 0.5);
 *   (ii)  ack latency p50/p99 at half the measured max ingest rate (target p99 ≤ 50 ms);
 *   (iii) events processed end to end per second vs a raw Temporal workflow with one no-op activity on
 *         the same server, both with a worker in its own process (target ≥ 0.8).
 *
 *   node bench/webhook-ingest.ts [--seconds 5] [--concurrency 32] [--events 1000]
 *
 * Starts its own PostgreSQL and Temporal dev server on free loopback ports; bounded in count and time.
 * The load client runs in a worker thread (bench/lib/load.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { createApp } from '../api/app.ts';
import { buildAppDeps } from '../api/deps.ts';
import { WebhookEvent } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { insertWebhookEvent } from '../db/repositories/webhook-events.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { loadEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { signStandardWebhook } from '../lib/webhooks/signatures.ts';
import { freePort, progress, startEmbeddedPostgres, startTemporalDevServer, stopChild } from '../scripts/services.ts';
import { runLoad, type LoadRequest, type LoadResult } from './lib/load.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'webhook-ingest'),
  options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '32' }, events: { type: 'string', default: '1000' } },
});
const SECONDS = Math.min(30, Number(values.seconds));
const CONCURRENCY = Math.min(128, Number(values.concurrency));
const EVENTS = Math.min(10_000, Number(values.events));
const PROCESS_TIMEOUT_MS = 180_000;
const benchStarted = Date.now();

const dataDir = path.resolve('.data', `bench-webhook-ingest-${Date.now()}`);
progress(`webhook ingest benchmark: ${SECONDS} s load phases, ${CONCURRENCY} connections, ${EVENTS} events end to end`);
const pgPort = await freePort();
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: pgPort });
const temporalCli = loadEnv().TEMPORAL_CLI ?? '.tools/bin/temporal';
const temporalPort = await freePort();
let temporalServer = await startTemporalDevServer({ cli: temporalCli, port: temporalPort });
const keys = generateKeySpec('v1');
const orm = await openOrm(pg.url);
await migrate(orm);
const vault = new Vault(parseKeyring(keys));
// Production-like logging (access lines at info) into /dev/null, so the logger's cost is measured too.
const logger = createLogger({ level: 'info', destination: createWriteStream('/dev/null') });
const children: ChildProcess[] = [];
const servers: Server[] = [];
const gateways: TemporalGateway[] = [];

function baseEnv(port: number, taskQueue: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PLUGBOARD_ENCRYPTION_KEYS: keys,
    PLUGBOARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    // The bench measures the ingest path's own workflow starts; the sweeper would only add noise.
    PLUGBOARD_SWEEP_INTERVAL_MS: '3600000',
  };
}

/**
 * The real API (api/app.ts) on a loopback port, starting webhook workflows on `taskQueue`. With
 * `stubStart`, the post-ack workflow start is a no-op (an informative row: what Temporal costs the ingest).
 */
async function startApi(taskQueue: string, options: { stubStart?: boolean } = {}): Promise<{ port: number; url: string }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const env = loadEnv(baseEnv(port, taskQueue));
  const deps = await buildAppDeps({ env, orm, vault, logger });
  gateways.push(deps.temporal);
  if (options.stubStart) Object.assign(deps.temporal.client.workflow, { start: async () => undefined });
  server.on('request', createApp(deps).callback());
  servers.push(server);
  return { port, url: env.PUBLIC_URL };
}

function spawnReady(script: string, env: Record<string, string>, readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${out.slice(-2000)}`)));
  });
}

async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  }));
}

function signedRequests(integrationId: string, secret: string, count: number, tag: string): LoadRequest[] {
  const ts = Math.floor(Date.now() / 1000) + 30; // stays inside the ±300 s window for the whole run
  return Array.from({ length: count }, (_, i) => {
    const id = `msg_${tag}${i.toString(36).padStart(7, '0')}`;
    const body = JSON.stringify({ type: 'item.updated', timestamp: new Date().toISOString(), data: { id: `item_${i}`, title: 'Benchmark event' } });
    return {
      method: 'POST',
      path: `/webhooks/sandbox/${integrationId}`,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(body, secret, id, ts) },
      body,
    };
  });
}

async function newSandboxIntegration(name: string): Promise<{ id: string; secret: string }> {
  const em = orm.em.fork();
  const tenant = await createTenant(em, name);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const integration = await new IntegrationRepository(em, tenant.id, vault).create({ provider: 'sandbox', secrets: { webhookSecret: secret } });
  return { id: integration.id, secret };
}

const ok2xx = (r: LoadResult) => Object.entries(r.statuses).filter(([s]) => Number(s) >= 200 && Number(s) < 300).reduce((n, [, c]) => n + c, 0);
const fmtStatuses = (r: LoadResult) => Object.entries(r.statuses).map(([s, c]) => `${s}×${c}`).join(' ');

try {
  // ---- (i) max ingest rate vs a bare Koa hello-world -------------------------------------------------
  // Phases (i)/(ii) start workflows on a queue no worker polls: the ingest path alone is measured.
  const ingestApi = await startApi('bench-ingest-only');
  const { id: ingestId, secret: ingestSecret } = await newSandboxIntegration('bench-ingest');
  const hello = new Koa();
  hello.use((ctx) => {
    ctx.body = 'Hello, World!';
  });
  const helloServer = hello.listen(0, '127.0.0.1');
  servers.push(helloServer);
  await new Promise((r) => helloServer.once('listening', r));
  const helloPort = (helloServer.address() as { port: number }).port;
  const helloReq: LoadRequest[] = [{ method: 'GET', path: '/', headers: {} }];
  // A second, informative baseline: Koa reading the raw body and doing the same durable insert.
  const insertOnly = new Koa();
  insertOnly.use(async (ctx) => {
    const body = await getRawBody(ctx.req, { limit: 1024 * 1024 });
    await insertWebhookEvent(orm.em.fork(), vault, { tenantId: 'bench', integrationId: 'bench-insert-only', provider: 'sandbox', eventType: 'item.updated', deliveryId: ctx.get('webhook-id'), payload: body.toString('utf8') });
    ctx.body = { received: true };
  });
  const insertServer = insertOnly.listen(0, '127.0.0.1');
  servers.push(insertServer);
  await new Promise((r) => insertServer.once('listening', r));
  const insertPort = (insertServer.address() as { port: number }).port;
  const stubbedApi = await startApi('bench-ingest-only', { stubStart: true });

  progress('warming up (1 s each)');
  await runLoad({ port: helloPort, requests: helloReq, cycle: true, seconds: 1, concurrency: CONCURRENCY });
  await runLoad({ port: ingestApi.port, requests: signedRequests(ingestId, ingestSecret, 3000, 'warm'), seconds: 1, concurrency: CONCURRENCY });

  progress(`(i) bare Koa hello-world, ${CONCURRENCY} keep-alive connections, ${SECONDS} s`);
  const baseline = await runLoad({ port: helloPort, requests: helloReq, cycle: true, seconds: SECONDS, concurrency: CONCURRENCY });
  progress(`    ${baseline.rps.toFixed(0)} req/s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms (${fmtStatuses(baseline)})`);
  progress(`(i) informative: Koa + raw body + the same INSERT, no verification, ${SECONDS} s`);
  const insertBase = await runLoad({ port: insertPort, requests: signedRequests(ingestId, ingestSecret, Math.ceil(SECONDS * 8000), 'ins'), seconds: SECONDS, concurrency: CONCURRENCY });
  progress(`    ${insertBase.rps.toFixed(0)} req/s, p50 ${insertBase.p50.toFixed(2)} ms, p99 ${insertBase.p99.toFixed(2)} ms (${fmtStatuses(insertBase)})`);
  progress(`(i) informative: the real ingest with the post-ack workflow start stubbed out, ${SECONDS} s`);
  const stubbed = await runLoad({ port: stubbedApi.port, requests: signedRequests(ingestId, ingestSecret, Math.ceil(SECONDS * 8000), 'stub'), seconds: SECONDS, concurrency: CONCURRENCY });
  const stubbedRps = ok2xx(stubbed) / stubbed.seconds;
  progress(`    ${stubbedRps.toFixed(0)} acked req/s, p50 ${stubbed.p50.toFixed(2)} ms, p99 ${stubbed.p99.toFixed(2)} ms (${fmtStatuses(stubbed)})`);
  progress(`(i) signed Standard Webhooks ingest, same client, ${SECONDS} s`);
  const maxRequests = signedRequests(ingestId, ingestSecret, Math.ceil(SECONDS * 4000), 'max');
  const ingest = await runLoad({ port: ingestApi.port, requests: maxRequests, seconds: SECONDS, concurrency: CONCURRENCY });
  const ingestRps = ok2xx(ingest) / ingest.seconds;
  progress(`    ${ingestRps.toFixed(0)} acked req/s, p50 ${ingest.p50.toFixed(2)} ms, p99 ${ingest.p99.toFixed(2)} ms (${fmtStatuses(ingest)})`);
  if (ingest.sent >= maxRequests.length) progress('    note: the prepared requests ran out before the time did; the rate is a lower bound');

  // ---- (ii) ack latency at half the max rate ----------------------------------------------------------
  await new Promise((r) => setTimeout(r, 3000)); // let the post-ack workflow starts of (i) finish
  const halfRate = Math.max(1, Math.floor(ingestRps / 2));
  progress(`(ii) open loop at ${halfRate} req/s (half the max) for ${SECONDS} s`);
  const half = await runLoad({ port: ingestApi.port, requests: signedRequests(ingestId, ingestSecret, Math.ceil(halfRate * SECONDS) + 10, 'half'), seconds: SECONDS, rate: halfRate, maxSockets: 256 });
  progress(`    p50 ${half.p50.toFixed(2)} ms, p90 ${half.p90.toFixed(2)} ms, p99 ${half.p99.toFixed(2)} ms, max ${half.max.toFixed(1)} ms (${fmtStatuses(half)})`);

  // ---- (iii) end to end vs raw Temporal ---------------------------------------------------------------
  // A fresh in-memory Temporal, so the thousands of idle workflows from (i)/(ii) weigh on neither side.
  progress('restarting the Temporal dev server (fresh state) for (iii)');
  await temporalServer.stop();
  temporalServer = await startTemporalDevServer({ cli: temporalCli, port: temporalPort });
  const e2eApi = await startApi('bench-e2e');
  const rawQueue = 'bench-raw';
  progress('starting the webhook worker (workers/main.ts) and the raw no-op worker, each in its own process');
  await Promise.all([
    spawnReady('workers/main.ts', baseEnv(e2eApi.port, 'bench-e2e'), 'worker running'),
    spawnReady('bench/lib/noop-worker.ts', baseEnv(e2eApi.port, rawQueue), 'raw worker running'),
  ]);
  const rawClient = new TemporalGateway(loadEnv(baseEnv(e2eApi.port, rawQueue)));
  gateways.push(rawClient);

  async function rawRun(count: number, tag: string): Promise<number> {
    const started = performance.now();
    const results: Promise<unknown>[] = [];
    await pool(count, CONCURRENCY, async (i) => {
      const handle = await rawClient.client.workflow.start('noopWorkflow', { taskQueue: rawQueue, workflowId: `raw-${tag}-${i}`, args: [{ id: String(i) }] });
      results.push(handle.result());
    });
    await Promise.all(results);
    return (performance.now() - started) / 1000;
  }

  async function e2eRun(count: number, tag: string): Promise<number> {
    const { id, secret } = await newSandboxIntegration(`bench-e2e-${tag}`);
    const requests = signedRequests(id, secret, count, tag);
    const started = performance.now();
    let rejected = 0;
    await pool(count, CONCURRENCY, async (i) => {
      const r = requests[i]!;
      const res = await fetch(`${e2eApi.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
      await res.arrayBuffer();
      if (res.status !== 200) rejected++;
    });
    if (rejected) throw new Error(`${rejected} of ${count} webhooks were not acknowledged with 200`);
    const deadline = Date.now() + PROCESS_TIMEOUT_MS;
    let lastReport = Date.now();
    for (;;) {
      const done = await orm.em.fork().count(WebhookEvent, { integrationId: id, status: { $in: ['processed', 'failed'] } });
      if (done >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${count} events processed after ${PROCESS_TIMEOUT_MS / 1000} s`);
      if (Date.now() - lastReport > 5000) {
        progress(`    … ${done}/${count} processed`);
        lastReport = Date.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const failed = await orm.em.fork().count(WebhookEvent, { integrationId: id, status: 'failed' });
    if (failed) throw new Error(`${failed} events failed`);
    return (performance.now() - started) / 1000;
  }

  progress('(iii) warming up both workers (100 each)');
  await rawRun(100, 'warm');
  await e2eRun(100, 'warm');
  progress(`(iii) raw Temporal: ${EVENTS} workflows with one no-op activity`);
  const rawSeconds = await rawRun(EVENTS, 'main');
  progress(`    ${(EVENTS / rawSeconds).toFixed(0)} workflows/s (${rawSeconds.toFixed(1)} s)`);
  progress(`(iii) end to end: ${EVENTS} signed webhooks posted, verified, stored, processed`);
  const e2eSeconds = await e2eRun(EVENTS, 'main');
  progress(`    ${(EVENTS / e2eSeconds).toFixed(0)} events/s (${e2eSeconds.toFixed(1)} s)`);

  const rows: [string, string, string, string][] = [
    ['(i) ingest req/s vs bare Koa', `${ingestRps.toFixed(0)} / ${baseline.rps.toFixed(0)}`, (ingestRps / baseline.rps).toFixed(2), '≥ 0.50'],
    ['    info: vs Koa + same INSERT', `${ingestRps.toFixed(0)} / ${insertBase.rps.toFixed(0)}`, (ingestRps / insertBase.rps).toFixed(2), ''],
    ['    info: ingest, start stubbed', `${stubbedRps.toFixed(0)} req/s`, (stubbedRps / baseline.rps).toFixed(2), ''],
    ['(ii) ack p50 at half max', `${half.p50.toFixed(2)} ms @ ${halfRate}/s`, '', ''],
    ['(ii) ack p99 at half max', `${half.p99.toFixed(2)} ms @ ${halfRate}/s`, '', '≤ 50 ms'],
    ['(iii) e2e events/s vs raw Temporal', `${(EVENTS / e2eSeconds).toFixed(0)} / ${(EVENTS / rawSeconds).toFixed(0)}`, (rawSeconds / e2eSeconds).toFixed(2), '≥ 0.80'],
  ];
  const pass: (boolean | undefined)[] = [ingestRps / baseline.rps >= 0.5, undefined, undefined, undefined, half.p99 <= 50, rawSeconds / e2eSeconds >= 0.8];
  const w = [36, 24, 7, 9];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i] ?? 6)).join('  ');
  process.stdout.write(
    [
      '',
      `Webhook ingest benchmark — ${SECONDS} s phases, ${CONCURRENCY} connections, ${EVENTS} events, node ${process.version}, ${(Date.now() - benchStarted) / 1000 | 0} s total`,
      line(['metric', 'measured', 'ratio', 'target', 'met']),
      line(['-'.repeat(36), '-'.repeat(24), '-'.repeat(7), '-'.repeat(9), '---']),
      ...rows.map((r, i) => line([...r, pass[i] === undefined ? '' : pass[i] ? 'yes' : 'NO'])),
      '',
    ].join('\n') + '\n',
  );
} finally {
  for (const child of children) await stopChild(child, 5000).catch(() => undefined);
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  for (const g of gateways) await g.close().catch(() => undefined);
  await orm.close().catch(() => undefined);
  await temporalServer.stop().catch(() => undefined);
  await pg.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
