/**
 * Webhook ingest benchmark (docs/architecture.md), every number a ratio against a baseline measured in the same
 * run on the same machine:
 *   (i)   signed-webhook ingest req/s vs a bare Koa hello-world, same client (target ≥ 0.5);
 *   (ii)  ack latency p50/p99 at half the measured max ingest rate (target p99 ≤ 50 ms);
 *   (iii) events processed end to end per second vs a raw Temporal workflow with one no-op activity on
 *         the same server, both with a worker in its own process (target ≥ 0.8).
 *
 *   node bench/webhook-ingest.ts [--seconds 3] [--rounds 3] [--concurrency 32] [--events 1000]
 *
 * Starts its own PostgreSQL and Temporal dev server on free loopback ports; bounded in count and time.
 * The load client runs in a worker thread (bench/lib/load.ts). (i) alternates baseline and ingest for
 * `--rounds` rounds and compares medians: on a small shared machine single runs swing by ±30 %.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { createApp } from '../api/app.ts';
import type { AppDeps } from '../api/context.ts';
import { buildAppDeps, closeAppDeps } from '../api/deps.ts';
import { WebhookEvent } from '../db/entities/index.ts';
import { migrate, openOrm, type MikroORM } from '../db/orm.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { insertWebhookEvent } from '../db/repositories/webhook-events.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { loadEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { TemporalGateway } from '../lib/temporal.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { verifyWith } from '../lib/webhooks/scheme.ts';
import { webhookScheme } from '../lib/webhooks/schemes/index.ts';
import { freePort, progress, startEmbeddedPostgres, startTemporalDevServer, stopChild } from '../scripts/services.ts';
import { spawnReady } from './lib/spawn-ready.ts';
import { runLoad, signedDeliveries, type LoadOptions, type LoadRequest, type LoadResult } from './lib/load.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'webhook-ingest'),
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    events: { type: 'string', default: '1000' },
  },
});
const SECONDS = Math.min(30, Number(values.seconds));
const ROUNDS = Math.max(1, Math.min(9, Number(values.rounds)));
/** An informative second load level: providers deliver over many parallel connections. */
const WIDE = 128;
const CONCURRENCY = Math.min(128, Number(values.concurrency));
const EVENTS = Math.min(10_000, Number(values.events));
const PROCESS_TIMEOUT_MS = 180_000;
const benchStarted = Date.now();

const dataDir = path.resolve('.data', `bench-webhook-ingest-${Date.now()}`);
progress(`webhook ingest benchmark: ${ROUNDS} rounds of ${SECONDS} s, ${CONCURRENCY} connections, ${EVENTS} events end to end`);
const pgPort = await freePort();
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: pgPort });
const temporalCli = loadEnv().TEMPORAL_CLI ?? '.tools/bin/temporal';
const temporalPort = await freePort();
const temporalServer = await startTemporalDevServer({ cli: temporalCli, port: temporalPort });
const keys = generateKeySpec('v1');
const orm = await openOrm(pg.url);
await migrate(orm);
const vault = new Vault(parseKeyring(keys));
// Production-like logging (access lines at info) into /dev/null, so the logger's cost is measured too.
const logger = createLogger({ level: 'info', destination: createWriteStream('/dev/null') });
const children: ChildProcess[] = [];
const servers: Server[] = [];
const gateways: TemporalGateway[] = [];
const apis: AppDeps[] = [];
const orms: MikroORM[] = [orm];

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

/** The real API (api/app.ts) on a loopback port, on `databaseUrl`; webhook workflows go to `taskQueue`. */
async function startApi(taskQueue: string, databaseUrl = pg.url, apiOrm: MikroORM = orm): Promise<{ port: number; url: string; deps: AppDeps }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const env = loadEnv({ ...baseEnv(port, taskQueue), DATABASE_URL: databaseUrl });
  const deps = await buildAppDeps({ env, orm: apiOrm, vault, logger });
  apis.push(deps);
  server.on('request', createApp(deps).callback());
  servers.push(server);
  return { port, url: env.PUBLIC_URL, deps };
}

async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await task(i);
    }),
  );
}

/** Signed Standard Webhooks deliveries to the sandbox endpoint, made in the load thread (bench/lib/load.ts). */
function signedLoad(integrationId: string, secret: string, count: number, tag: string): Pick<LoadOptions, 'standardWebhooks'> {
  return { standardWebhooks: { path: `/webhooks/sandbox/${integrationId}`, secret, idPrefix: `msg_${tag}`, count } };
}

async function newSandboxIntegration(name: string, on: MikroORM = orm): Promise<{ id: string; secret: string }> {
  const em = on.em.fork();
  const tenant = await createTenant(em, name);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const integration = await new IntegrationRepository(em, tenant.id, vault).create({ provider: 'sandbox', secrets: { webhookSecret: secret } });
  return { id: integration.id, secret };
}

const ok2xx = (r: LoadResult) =>
  Object.entries(r.statuses)
    .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
    .reduce((n, [, c]) => n + c, 0);
const fmtStatuses = (r: LoadResult) =>
  Object.entries(r.statuses)
    .map(([s, c]) => `${s}×${c}`)
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
let batchTag = 0;

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
  // An informative baseline: Koa reading the raw body and doing the same INSERT per request (MikroORM, no
  // group commit, no verification) — what "durable before the ack" costs done the plain way.
  const insertOnly = new Koa();
  insertOnly.use(async (ctx) => {
    const body = await getRawBody(ctx.req, { limit: 1024 * 1024 });
    await insertWebhookEvent(orm.em.fork(), vault, {
      tenantId: 'bench',
      integrationId: 'bench-insert-only',
      provider: 'sandbox',
      eventType: 'item.updated',
      deliveryId: ctx.get('webhook-id'),
      payload: body.toString('utf8'),
    });
    ctx.body = { received: true };
  });
  // And the ceiling of any verifying ingest: Koa reading the raw body and checking the Standard Webhooks
  // signature (the same verifier), storing nothing.
  const verifyOnly = new Koa();
  verifyOnly.use(async (ctx) => {
    const body = await getRawBody(ctx.req, { limit: 1024 * 1024 });
    const result = await verifyWith(
      webhookScheme('standard-webhooks'),
      { body, headers: ctx.req.headers as Record<string, string>, query: new URLSearchParams(), nowSeconds: Math.floor(Date.now() / 1000) },
      { secrets: [ingestSecret], setting: () => undefined, endpointUrl: '' },
    );
    ctx.status = result.kind === 'event' ? 200 : 401;
    ctx.body = { received: result.kind === 'event' };
  });
  const verifyServer = verifyOnly.listen(0, '127.0.0.1');
  servers.push(verifyServer);
  await new Promise((r) => verifyServer.once('listening', r));
  const verifyPort = (verifyServer.address() as { port: number }).port;
  const insertServer = insertOnly.listen(0, '127.0.0.1');
  servers.push(insertServer);
  await new Promise((r) => insertServer.once('listening', r));
  const insertPort = (insertServer.address() as { port: number }).port;
  const ingestLoad = (concurrency: number, seconds: number) => {
    const tag = `r${batchTag++}x`;
    return runLoad({ port: ingestApi.port, ...signedLoad(ingestId, ingestSecret, Math.ceil(seconds * 15_000), tag), seconds, concurrency });
  };

  progress('warming up (1 s each)');
  await runLoad({ port: helloPort, requests: helloReq, cycle: true, seconds: 1, concurrency: CONCURRENCY });
  await ingestLoad(CONCURRENCY, 1);

  const helloRps: number[] = [];
  const ingestRps: number[] = [];
  const ingestRuns: LoadResult[] = [];
  const writer = ingestApi.deps.webhookWriter;
  const writerBefore = { ...writer.stats };
  // Server CPU per request: this (main) thread serves both; the load client runs in a worker thread.
  const serverCpu = { hello: [] as number[], ingest: [] as number[] };
  const cpuPerRequest = (from: NodeJS.CpuUsage, requests: number) => {
    const used = process.threadCpuUsage(from);
    return (used.user + used.system) / Math.max(1, requests);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    let cpu = process.threadCpuUsage();
    const baseline = await runLoad({ port: helloPort, requests: helloReq, cycle: true, seconds: SECONDS, concurrency: CONCURRENCY });
    serverCpu.hello.push(cpuPerRequest(cpu, baseline.sent));
    helloRps.push(baseline.rps);
    cpu = process.threadCpuUsage();
    const ingest = await ingestLoad(CONCURRENCY, SECONDS);
    serverCpu.ingest.push(cpuPerRequest(cpu, ingest.sent));
    ingestRps.push(ok2xx(ingest) / ingest.seconds);
    ingestRuns.push(ingest);
    progress(
      `(i) round ${round}/${ROUNDS}: bare Koa ${baseline.rps.toFixed(0)} req/s; signed ingest ${ingestRps.at(-1)!.toFixed(0)} acked req/s, p50 ${ingest.p50.toFixed(1)} ms, p99 ${ingest.p99.toFixed(1)} ms (${fmtStatuses(ingest)})`,
    );
  }
  const rowsPerCommit = (writer.stats.rows - writerBefore.rows) / Math.max(1, writer.stats.batches - writerBefore.batches);
  const baselineRps = median(helloRps);
  const maxRps = median(ingestRps);
  progress(`(i) medians: bare Koa ${baselineRps.toFixed(0)} req/s, ingest ${maxRps.toFixed(0)} req/s; ${rowsPerCommit.toFixed(1)} events per commit`);
  progress(`(i) informative: ingest over ${WIDE} connections, ${SECONDS} s`);
  const wide = await ingestLoad(WIDE, SECONDS);
  const wideRps = ok2xx(wide) / wide.seconds;
  progress(`    ${wideRps.toFixed(0)} acked req/s, p50 ${wide.p50.toFixed(1)} ms, p99 ${wide.p99.toFixed(1)} ms (${fmtStatuses(wide)})`);
  progress(`(i) informative: Koa + raw body + signature check only, nothing stored, ${SECONDS} s`);
  const verifyBase = await runLoad({
    port: verifyPort,
    ...signedLoad(ingestId, ingestSecret, Math.ceil(SECONDS * 25_000), 'ver'),
    seconds: SECONDS,
    concurrency: CONCURRENCY,
  });
  progress(
    `    ${(ok2xx(verifyBase) / verifyBase.seconds) | 0} req/s, p50 ${verifyBase.p50.toFixed(2)} ms, p99 ${verifyBase.p99.toFixed(2)} ms (${fmtStatuses(verifyBase)})`,
  );
  progress(`(i) informative: Koa + raw body + one INSERT per request, no verification, ${SECONDS} s`);
  const insertBase = await runLoad({
    port: insertPort,
    ...signedLoad(ingestId, ingestSecret, Math.ceil(SECONDS * 8000), 'ins'),
    seconds: SECONDS,
    concurrency: CONCURRENCY,
  });
  progress(`    ${insertBase.rps.toFixed(0)} req/s, p50 ${insertBase.p50.toFixed(2)} ms, p99 ${insertBase.p99.toFixed(2)} ms (${fmtStatuses(insertBase)})`);

  // ---- (ii) ack latency at half the max rate ----------------------------------------------------------
  const halfRate = Math.max(1, Math.floor(maxRps / 2));
  progress(`(ii) open loop at ${halfRate} req/s (half the max) for ${SECONDS} s`);
  // Steady state for the database too: a fresh cluster creates (zero-fills and fsyncs) a new 16 MB WAL
  // segment every few seconds at this rate, stalling every commit for ~50 ms; after a checkpoint, old
  // segments are recycled as on any long-running server.
  const walFiles = async () => Number((await orm.em.getConnection().execute<{ n: string }[]>(`select count(*) as n from pg_ls_waldir()`))[0]!.n);
  const walBefore = await walFiles();
  await orm.em.getConnection().execute('checkpoint');
  const walAfterCheckpoint = await walFiles();
  // The commits behind those acks, to tell a database stall from a server stall in the tail.
  const commitMs: number[] = [];
  const observeCommit = writer.onCommit;
  writer.onCommit = (seconds, rows) => {
    commitMs.push(seconds * 1000);
    observeCommit?.(seconds, rows);
  };
  const half = await runLoad({
    port: ingestApi.port,
    ...signedLoad(ingestId, ingestSecret, Math.ceil(halfRate * SECONDS) + 10, 'half'),
    seconds: SECONDS,
    rate: halfRate,
    maxSockets: 256,
  });
  writer.onCommit = observeCommit;
  progress(`    WAL segments: ${walBefore} before, ${walAfterCheckpoint} after the checkpoint, ${await walFiles()} after (ii)`);
  commitMs.sort((a, b) => a - b);
  const commitP99 = commitMs[Math.floor(commitMs.length * 0.99)] ?? 0;
  const commitMax = commitMs.at(-1) ?? 0;
  progress(
    `    p50 ${half.p50.toFixed(2)} ms, p90 ${half.p90.toFixed(2)} ms, p99 ${half.p99.toFixed(2)} ms, max ${half.max.toFixed(1)} ms (${fmtStatuses(half)})`,
  );

  // ---- (iii) end to end vs raw Temporal ---------------------------------------------------------------
  // A database of its own: the worker's dispatcher would otherwise first work through the tens of
  // thousands of events (i) and (ii) left pending (no worker ran then, on purpose).
  const e2eUrl = new URL(pg.url);
  e2eUrl.pathname = '/plugboard_bench_e2e';
  const e2eOrm = await openOrm(e2eUrl.toString());
  orms.push(e2eOrm);
  await migrate(e2eOrm);
  const e2eApi = await startApi('bench-e2e', e2eUrl.toString(), e2eOrm);
  const rawQueue = 'bench-raw';
  progress('starting the webhook worker (workers/main.ts, with its dispatcher) and the raw no-op worker, each in its own process');
  await Promise.all([
    spawnReady('workers/main.ts', { ...baseEnv(e2eApi.port, 'bench-e2e'), DATABASE_URL: e2eUrl.toString() }, 'worker running', children),
    spawnReady('bench/lib/noop-worker.ts', baseEnv(e2eApi.port, rawQueue), 'raw worker running', children),
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
    const { id, secret } = await newSandboxIntegration(`bench-e2e-${tag}`, e2eOrm);
    const requests = signedDeliveries(signedLoad(id, secret, count, tag).standardWebhooks); // posted with fetch
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
      const done = await e2eOrm.em.fork().count(WebhookEvent, { integrationId: id, status: { $in: ['processed', 'failed'] } });
      if (done >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${count} events processed after ${PROCESS_TIMEOUT_MS / 1000} s`);
      if (Date.now() - lastReport > 5000) {
        progress(`    … ${done}/${count} processed`);
        lastReport = Date.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const failed = await e2eOrm.em.fork().count(WebhookEvent, { integrationId: id, status: 'failed' });
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
    [`(i) ingest req/s vs bare Koa (median of ${ROUNDS})`, `${maxRps.toFixed(0)} / ${baselineRps.toFixed(0)}`, (maxRps / baselineRps).toFixed(2), '≥ 0.50'],
    [`    info: ingest, ${WIDE} connections`, `${wideRps.toFixed(0)} req/s`, (wideRps / baselineRps).toFixed(2), ''],
    [
      '    info: Koa + signature check only',
      `${(ok2xx(verifyBase) / verifyBase.seconds).toFixed(0)} req/s`,
      (ok2xx(verifyBase) / verifyBase.seconds / baselineRps).toFixed(2),
      '',
    ],
    ['    info: Koa + 1 INSERT per request', `${insertBase.rps.toFixed(0)} req/s`, (insertBase.rps / baselineRps).toFixed(2), ''],
    ['    info: events per commit', rowsPerCommit.toFixed(1), '', ''],
    ['    info: server CPU/request Koa, ingest', `${median(serverCpu.hello).toFixed(0)} µs, ${median(serverCpu.ingest).toFixed(0)} µs`, '', ''],
    ['(ii) ack p50 at half max', `${half.p50.toFixed(2)} ms @ ${halfRate}/s`, '', ''],
    ['(ii) ack p99 at half max', `${half.p99.toFixed(2)} ms @ ${halfRate}/s`, '', '≤ 50 ms'],
    ['    info: commit p99 / max in (ii)', `${commitP99.toFixed(1)} / ${commitMax.toFixed(1)} ms`, '', ''],
    [
      '(iii) e2e events/s vs raw Temporal',
      `${(EVENTS / e2eSeconds).toFixed(0)} / ${(EVENTS / rawSeconds).toFixed(0)}`,
      (rawSeconds / e2eSeconds).toFixed(2),
      '≥ 0.80',
    ],
  ];
  const pass: (boolean | undefined)[] = [
    maxRps / baselineRps >= 0.5,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    half.p99 <= 50,
    undefined,
    rawSeconds / e2eSeconds >= 0.8,
  ];
  const w = [40, 24, 7, 9];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i] ?? 6)).join('  ');
  process.stdout.write(
    [
      '',
      `Webhook ingest benchmark — ${ROUNDS}×${SECONDS} s rounds, ${CONCURRENCY} connections, ${EVENTS} events, node ${process.version}, ${((Date.now() - benchStarted) / 1000) | 0} s total`,
      line(['metric', 'measured', 'ratio', 'target', 'met']),
      line(['-'.repeat(40), '-'.repeat(24), '-'.repeat(7), '-'.repeat(9), '---']),
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
  for (const d of apis) await closeAppDeps(d);
  for (const g of gateways) await g.close().catch(() => undefined);
  for (const o of orms) await o.close().catch(() => undefined);
  await temporalServer.stop().catch(() => undefined);
  await pg.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
