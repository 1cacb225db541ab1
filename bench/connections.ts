/**
 * Connections benchmark (issue 13 items 1–2): many connection workflows on ONE worker process.
 *
 *   npm run bench -- connections [--hour 10000] [--short 1000] [--ttl 60] [--observe 240] [--load-seconds 20]
 *                                [--tenants 500] [--cache <n>] [--worker-flags "<node flags>"] [--snapshot] [--api-prof]
 *                                [--client-session own|shared] [--realtime]
 *
 * How the integrations get their tokens (said here because it matters for what is measured):
 * - The `--hour` integrations (one-hour tokens) are written through the vault: the row gets encrypted
 *   credentials expiring in one hour and status `active`, and its connection workflow is started from the row's
 *   state exactly as the API restarts a lost one (api/connections.ts workflowInput). Their first refresh is due at
 *   45 min, after the run, so no provider ever sees their (made-up) refresh tokens.
 * - The `--short` integrations connect through the real consent flow of the sandbox authorization server
 *   (ScriptedBrowser → connect link → oidc-provider → callback → exchangeCode), with `--ttl` s access tokens, and
 *   refresh against it for real throughout the run (rotating refresh tokens).
 * The sandbox authorization server runs as its own process (api/sandbox/main.ts, PLUGBOARD_SANDBOX_URL), so its
 * refresh grants are not charged to the API while the token API is measured; its own count of refresh-token reuse
 * (a refresh token presented twice) is printed beside the double refreshes seen in the integration logs.
 *
 * Prints: refreshed before expiry (every sample of the short set), double refreshes, worker RSS (peak, settled),
 * the time to start the `--hour` workflows, the replay cost of a query to an evicted workflow (vs a cached one),
 * the token API latency, and the worker's heap by phase (main isolate and each workflow thread, from
 * bench/lib/heap.ts; during the connect flows it is sampled every 3 s and the sample with the highest RSS is
 * printed as `connect-peak`).
 *
 * The token API is measured open loop (bench/lib/load.ts: a fixed rate from its own thread, latency from the
 * scheduled send time, a warm-up discarded), in two shapes, each beside a `/healthz` probe sent from another thread
 * at the same time (the host's scheduling floor: a no-op route's p99 in the same seconds) and with the client's own
 * send lateness (`--client-session own`: both clients each in a process and a session of its own, Linux autogroup's
 * own CPU scheduling group, as a backend on another machine; the default runs them in threads of this process):
 *   - working set: `--tenants` tenant backends, each calling its own integration every 10 s;
 *   - cold sweep: integrations never asked for before, each once (both caches miss: the full path). `--cache` sets PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS for the worker; `--worker-flags` the
 * worker's node flags (default workers/node-flags.ts, as every shipped command starts a worker; "": node's defaults); `--snapshot` writes heap snapshots after the starts
 * (summarised by `node bench/lib/heap-summary.ts <file>`).
 *
 * Everything is on loopback and bounded: the integrations' count, `--observe` seconds of observation (cut to leave
 * 3 minutes for the replay probes and the token API), and a 22-minute deadline for the whole run (on a slow host
 * the 10,000 starts and the 1,000 consent flows alone took 13 minutes, which left a 14-minute deadline no observation).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { workflowInput } from '../api/connections.ts';
import { buildAppDeps } from '../api/deps.ts';
import { writeCredentials } from '../db/credentials.ts';
import { Integration, IntegrationLog } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { loadEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { freePort, progress, startEmbeddedPostgres, startTemporalDevServer, stopChild } from '../scripts/services.ts';
import { ScriptedBrowser } from '../test/oauth-browser.ts';
import { reserveSandbox, startSandboxProcess } from '../test/sandbox-process.ts';
import { connectionWorkflowId, IntegrationStatusAttr, ProviderAttr, statusQuery, TenantIdAttr } from '../workflows/connection.messages.ts';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../workers/node-flags.ts';
import type { HeapReport } from './lib/heap.ts';
import { runLoad, type LoadRequest, type LoadResult } from './lib/load.ts';
import { describeServerLatency, scrapeRouteHistograms, serverLatency, type ServerLatency } from './lib/server-latency.ts';
import { nodeCommand } from './lib/spawn-ready.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'connections'),
  options: {
    hour: { type: 'string', default: '10000' },
    short: { type: 'string', default: '1000' },
    ttl: { type: 'string', default: '60' },
    observe: { type: 'string', default: '240' },
    'load-seconds': { type: 'string', default: '20' },
    tenants: { type: 'string', default: '500' },
    'api-prof': { type: 'boolean', default: false },
    'client-session': { type: 'string', default: 'shared' },
    realtime: { type: 'boolean', default: false },
    cache: { type: 'string' },
    snapshot: { type: 'boolean', default: false },
    'worker-flags': { type: 'string', default: WORKER_NODE_FLAGS.join(' ') },
  },
});
const HOUR = Number(values.hour);
const SHORT = Number(values.short);
const TTL = Number(values.ttl);
const OBSERVE_S = Number(values.observe);
const LOAD_S = Number(values['load-seconds']);
const TENANTS = Number(values.tenants);
const CACHE = values.cache;
const DEADLINE_MIN = 22;
const DEADLINE = Date.now() + DEADLINE_MIN * 60_000;
if (![HOUR, SHORT, TTL, OBSERVE_S, LOAD_S, TENANTS].every((n) => Number.isInteger(n) && n >= 0) || HOUR + SHORT === 0 || TTL < 30) {
  progress(
    'usage: --hour N --short N (not both 0) --ttl S (≥ 30) --observe S --load-seconds S --tenants N [--cache N] [--worker-flags "<node flags>"] [--snapshot] [--api-prof]',
  );
  process.exit(2);
}

function checkDeadline(step: string): void {
  if (Date.now() > DEADLINE) throw new Error(`benchmark deadline (${DEADLINE_MIN} min) passed during: ${step}`);
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/**
 * One token API line: latency, rate, non-200 answers, the client's lateness, and the /healthz probe of the same
 * seconds; then the API's own handling time of both routes in those seconds (its histogram, bench/lib/server-latency.ts).
 */
function tokenLine(
  label: string,
  { token, probe, server }: { token: LoadResult; probe: LoadResult; server: { token?: ServerLatency; health?: ServerLatency } },
): string {
  const f = (n: number) => n.toFixed(2);
  const non200 = Object.entries(token.statuses)
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, 0);
  return [
    `    ${label.padEnd(34)} p50 ${f(token.p50)}, p90 ${f(token.p90)}, p99 ${f(token.p99)}, max ${f(token.max)} ms; ${token.rps.toFixed(0)} req/s, non-200 ${non200}; client late p99 ${f(token.sendLateP99)} ms | probe p99 ${f(probe.p99)} ms (late p99 ${f(probe.sendLateP99)})`,
    `      server side (the API's own handling time, same seconds): token ${describeServerLatency(server.token)} | /healthz ${describeServerLatency(server.health)}`,
  ].join('\n');
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

function rssOf(pid: number): number {
  if (!existsSync(`/proc/${pid}/status`)) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
/** User + system CPU of a process, in ms (Linux clock ticks are 10 ms). */
function cpuOf(pid: number): number {
  if (!existsSync(`/proc/${pid}/stat`)) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const dataDir = path.resolve('.data', `bench-connections-${Date.now()}`);
mkdirSync(dataDir, { recursive: true });
const heapReport = path.join(dataDir, 'heap.jsonl');
progress(
  `connections benchmark: ${HOUR} integrations with one-hour tokens + ${SHORT} with ${TTL} s tokens, observing ${OBSERVE_S} s, worker cache ${CACHE ?? 'default'}`,
);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
const temporalServer = await startTemporalDevServer({ cli: loadEnv().TEMPORAL_CLI ?? '.tools/bin/temporal', port: await freePort() });
const keys = generateKeySpec('v1');
const port = await freePort();
// The sandbox authorization server in its own process (api/sandbox/main.ts), so the token API is measured alone.
const sandboxAt = await reserveSandbox();
const sandbox = await startSandboxProcess(sandboxAt, {
  publicUrl: `http://127.0.0.1:${port}`,
  encryptionKeys: keys,
  env: { PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: String(TTL) },
});
const rawEnv: Record<string, string> = {
  NODE_ENV: 'test',
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  PORT: String(port),
  DATABASE_URL: pg.url,
  TEMPORAL_ADDRESS: temporalServer.address,
  TEMPORAL_TASK_QUEUE: 'bench',
  PLUGBOARD_ENCRYPTION_KEYS: keys,
  PLUGBOARD_DATA_DIR: dataDir,
  PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: String(TTL),
  PLUGBOARD_SANDBOX_URL: sandbox.url,
  LOG_LEVEL: 'warn',
};
const env = loadEnv(rawEnv);
const orm = await openOrm(pg.url, { pool: { min: 0, max: 20 } });
await migrate(orm);
const vault = new Vault(parseKeyring(keys));
const logger = createLogger({ level: 'warn' });
const deps = await buildAppDeps({ env, orm, vault, logger });
const { temporal } = deps;
// The API in its own process, as `npm start` and docker compose run it: the token API is measured on it alone,
// not on this process (which runs the connect flows and the starts). `deps` here only builds workflow inputs.
// `--api-prof`: a V8 CPU profile of the API process, written when it exits (node bench/lib/cpu-summary.ts <file>).
const apiProf = values['api-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dataDir, 'api-prof')}`] : [];
// `--realtime`: the API and both latency clients under SCHED_RR (bench/lib/spawn-ready.ts), an A/B of how much of
// the client-side tail is the API's wait for a core.
const [apiCommand, apiArgs] = nodeCommand([...apiProf, 'api/server.ts'], values.realtime);
const apiProcess = spawn(apiCommand, apiArgs, {
  env: { ...(process.env as Record<string, string>), ...rawEnv },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i++) {
  const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (i > 300) throw new Error('the API process did not start');
  await new Promise((r) => setTimeout(r, 100));
}

// As npm start, npm run worker and docker compose start workers (docs/operations.md "Worker memory").
const workerEnv: Record<string, string> = { ...WORKER_NODE_ENV, ...(process.env as Record<string, string>), ...rawEnv, BENCH_HEAP_REPORT: heapReport };
if (CACHE !== undefined) workerEnv.PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS = CACHE;
if (values.snapshot) workerEnv.BENCH_HEAP_SNAPSHOT_DIR = path.join(dataDir, 'snapshots');
// The main isolate's heap is sized when the process starts: the shipped commands' flags (workers/node-flags.ts).
const workerFlags = values['worker-flags'].split(/\s+/).filter(Boolean);
const worker = spawn(process.execPath, [...workerFlags, '--import', './bench/lib/heap.ts', 'workers/main.ts'], {
  env: workerEnv,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const workerExited = new Promise<never>((_, reject) => worker.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal})`))));
workerExited.catch((error: Error) => progress(error.message));
worker.stdout!.resume();
/** The worker is ready once it polls the connections queue (its logs are at warn level, so nothing says so). */
async function workerReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { pollers } = await temporal.client.workflowService.describeTaskQueue({
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: { name: temporal.queues.connections },
      taskQueueType: 1,
    });
    if (pollers?.length) return;
    await Promise.race([new Promise((r) => setTimeout(r, 200)), workerExited]);
  }
  throw new Error('the worker did not poll within 120 s');
}
let peakRss = 0;
const rssSamples: { at: number; rss: number }[] = [];
const rssTimer = setInterval(() => {
  const rss = rssOf(worker.pid!);
  peakRss = Math.max(peakRss, rss);
  rssSamples.push({ at: Date.now(), rss });
}, 1000);

/** Asks the worker (bench/lib/heap.ts) for a memory report of this phase and waits for it. */
async function heapPhase(phase: string, snapshot = false): Promise<HeapReport | undefined> {
  writeFileSync(`${heapReport}.phase`, `${snapshot ? 'snapshot:' : ''}${phase}`);
  const before = existsSync(heapReport) ? readFileSync(heapReport, 'utf8').split('\n').filter(Boolean).length : 0;
  worker.kill('SIGWINCH');
  for (let i = 0; i < (snapshot ? 600 : 50); i++) {
    await new Promise((r) => setTimeout(r, 200));
    const lines = existsSync(heapReport) ? readFileSync(heapReport, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > before) return JSON.parse(lines.at(-1)!) as HeapReport;
  }
  return undefined;
}
const phases: HeapReport[] = [];
/** A status query, retried while the worker works through a backlog (a query times out when no worker answers). */
async function queryStatus(integrationId: string, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      await temporal.client.workflow.getHandle(connectionWorkflowId(integrationId)).query(statusQuery);
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
const record = async (phase: string, snapshot = false) => {
  const r = await heapPhase(phase, snapshot);
  if (r) {
    phases.push(r);
    progress(`  [${phase}] worker RSS ${r.rss} MiB; main heap ${r.main.heapUsed} MiB; threads ${r.threads.map((t) => t.heapUsed).join(' / ')} MiB`);
  }
};

try {
  await workerReady();
  await new Promise((r) => setTimeout(r, 3000));
  await record('idle');

  progress(`creating ${HOUR + SHORT} tenants with one sandbox integration each (one-hour tokens written through the vault for ${HOUR})`);
  const hourRows: { id: string; key: string }[] = [];
  const shortRows: { id: string; key: string }[] = [];
  const created = Date.now();
  await pool(
    Array.from({ length: HOUR + SHORT }, (_, i) => i),
    16,
    async (i) => {
      const em = orm.em.fork();
      const tenant = await createTenant(em, `bench-${i}`);
      const { plaintext } = await createApiKey(em, tenant.id, 'bench');
      const integration = await new IntegrationRepository(em, tenant.id, vault).create({ provider: 'sandbox' });
      if (i < HOUR) {
        const now = Date.now();
        writeCredentials(vault, integration, {
          accessToken: `bench-access-${integration.id}`,
          refreshToken: `bench-refresh-${integration.id}`,
          tokenType: 'Bearer',
          expiresAt: now + 3600_000,
          issuedAt: now,
        });
        integration.status = 'active';
        integration.tokenExpiresAt = new Date(now + 3600_000);
        await em.flush();
        hourRows.push({ id: integration.id, key: plaintext });
      } else shortRows.push({ id: integration.id, key: plaintext });
    },
  );
  progress(`  rows written in ${((Date.now() - created) / 1000).toFixed(1)} s`);
  checkDeadline('rows');

  progress(`starting ${HOUR} connection workflows from their rows`);
  const startCpu = cpuOf(worker.pid!);
  const startFrom = Date.now();
  let started = 0;
  await pool(hourRows, 32, async (row) => {
    const em = orm.em.fork();
    const integration = await em.findOneOrFail(Integration, { id: row.id });
    const input = await workflowInput(em, deps.providers, integration);
    await temporal.client.workflow.start('connectionWorkflow', {
      workflowId: connectionWorkflowId(row.id),
      taskQueue: temporal.queues.connections,
      args: [input],
      typedSearchAttributes: [
        { key: TenantIdAttr, value: input.tenantId },
        { key: ProviderAttr, value: input.provider },
        { key: IntegrationStatusAttr, value: integration.status },
      ],
      memo: { provider: input.provider },
    });
    if (++started % 1000 === 0) progress(`  started ${started}/${HOUR} (${((Date.now() - startFrom) / 1000).toFixed(0)} s)`);
  });
  const startSeconds = (Date.now() - startFrom) / 1000;
  // The worker has run every first workflow task once the connections queue's backlog is empty.
  for (let i = 0; i < 360; i++) {
    const { stats } = await temporal.client.workflowService.describeTaskQueue({
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: { name: temporal.queues.connections },
      taskQueueType: 1,
      reportStats: true,
    });
    if (Number(stats?.approximateBacklogCount ?? 0) === 0) break;
    if (i % 10 === 0) progress(`  worker backlog: ${Number(stats?.approximateBacklogCount)} first tasks`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const firstTasksSeconds = (Date.now() - startFrom) / 1000;
  const startCpuMs = cpuOf(worker.pid!) - startCpu;
  progress(`  started ${HOUR} in ${startSeconds.toFixed(1)} s; the worker had run every first task at ${firstTasksSeconds.toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 5000));
  await record('hour-started', values.snapshot);
  checkDeadline('starts');

  progress(`connecting ${SHORT} integrations through the sandbox consent flow (${TTL} s tokens)`);
  const connectStarted = Date.now();
  // The worker's memory, sampled through the connect flows (the burst of exchanges and new workflows).
  let connecting = true;
  let connectPeak: HeapReport | undefined;
  const sampler = (async () => {
    while (connecting) {
      const r = await heapPhase('connect-peak');
      if (r && r.rss > (connectPeak?.rss ?? 0)) connectPeak = r;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  })();
  let connected = 0;
  const connectFailures: string[] = [];
  await pool(shortRows, 8, async (row) => {
    const res = await fetch(`${env.PUBLIC_URL}/api/v1/integrations/${row.id}/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${row.key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { data } = (await res.json()) as { data: { connectUrl: string } };
    const callback = await new ScriptedBrowser().connect(data.connectUrl);
    const location = callback.headers.get('location') ?? `status ${callback.status}`;
    if (!location.includes('connect=connected')) {
      connectFailures.push(row.id);
      if (connectFailures.length <= 3) progress(`  connect failed for ${row.id}: ${location}`);
      return;
    }
    if (++connected % 200 === 0) progress(`  connected ${connected}/${SHORT}`);
  });
  connecting = false;
  await sampler;
  if (connectPeak) phases.push(connectPeak);
  progress(`  connected ${connected} (${connectFailures.length} failed) in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);
  await record('short-connected');
  checkDeadline('connects');

  const observeFrom = new Date();
  const late = new Set<string>();
  let samples = 0;
  let lateSamples = 0;
  const observeEnd = Math.min(Date.now() + OBSERVE_S * 1000, DEADLINE - 180_000);
  const shortIds = shortRows.map((r) => r.id);
  while (Date.now() < observeEnd) {
    const expired = await orm.em.fork().find(Integration, { status: 'active', tokenExpiresAt: { $lt: new Date() } }, { fields: ['id'] });
    const refreshed = await orm.em.fork().count(IntegrationLog, { kind: 'refreshed', createdAt: { $gte: observeFrom } });
    samples += SHORT + HOUR;
    lateSamples += expired.length;
    for (const e of expired) late.add(e.id);
    progress(
      `  t+${Math.round((Date.now() - observeFrom.getTime()) / 1000)} s: ${refreshed} refreshes, ${expired.length} expired now, worker RSS ${rssOf(worker.pid!).toFixed(0)} MiB`,
    );
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const observedS = (Date.now() - observeFrom.getTime()) / 1000;
  await record('observed');
  const settledFrom = Date.now() - 60_000;
  const settled = rssSamples.filter((s) => s.at >= settledFrom).map((s) => s.rss);
  const settledRss = settled.reduce((a, b) => a + b, 0) / Math.max(1, settled.length);

  const logs = await orm.em
    .fork()
    .find(
      IntegrationLog,
      { kind: 'refreshed', createdAt: { $gte: observeFrom } },
      { orderBy: { integrationId: 'asc', createdAt: 'asc' }, fields: ['integrationId', 'createdAt'] },
    );
  let doubles = 0;
  const perIntegration = new Map<string, number>();
  for (let i = 0; i < logs.length; i++) {
    const b = logs[i]!;
    perIntegration.set(b.integrationId, (perIntegration.get(b.integrationId) ?? 0) + 1);
    const a = logs[i - 1];
    if (a && a.integrationId === b.integrationId && b.createdAt.getTime() - a.createdAt.getTime() < TTL * 500) doubles++;
  }
  const hourRefreshed = hourRows.filter((r) => perIntegration.has(r.id)).length;
  const minPerShort = Math.floor(observedS / TTL) - 1;
  const shortUnder = shortIds.filter((id) => !connectFailures.includes(id)).filter((id) => (perIntegration.get(id) ?? 0) < minPerShort).length;
  const expected = Math.round((observedS / (TTL * 0.75)) * SHORT);
  checkDeadline('observation');

  progress('replay cost: a query to workflows evicted from the cache, then the same queries again (cached)');
  const replayFrom = Date.now();
  const probe = hourRows.slice(0, Math.min(100, hourRows.length));
  // The worker keeps refreshing the short set meanwhile: its CPU per second just before is taken off.
  const bgFrom = cpuOf(worker.pid!);
  await new Promise((r) => setTimeout(r, 5000));
  const backgroundPerMs = (cpuOf(worker.pid!) - bgFrom) / 5000;
  const queryAll = async () => {
    const cpu = cpuOf(worker.pid!);
    const from = Date.now();
    const times: number[] = [];
    for (const row of probe) {
      const t = process.hrtime.bigint();
      await queryStatus(row.id, 30_000);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    const own = cpuOf(worker.pid!) - cpu - backgroundPerMs * (Date.now() - from);
    return { p50: pct(times, 0.5), p99: pct(times, 0.99), cpuPerQuery: Math.max(0, own) / Math.max(1, probe.length) };
  };
  const evicted = await queryAll();
  const cached = await queryAll();
  progress(`  replay probes took ${((Date.now() - replayFrom) / 1000).toFixed(0)} s`);

  progress('token API, open loop: working set, then a cold sweep, each beside a /healthz probe');
  const tokenRows = hourRows.length ? hourRows : shortRows;
  const tokenRequest = (row: { id: string; key: string }): LoadRequest => ({
    method: 'GET',
    path: `/api/v1/integrations/${row.id}/token`,
    headers: { authorization: `Bearer ${row.key}` },
  });
  /**
   * `requests` at `rate` per second (cycled or not), with a /healthz probe at 20/s from another thread meanwhile,
   * after `warmupS` seconds of the same load whose figures are discarded.
   */
  const measure = async (requests: LoadRequest[], rate: number, cycle: boolean, warmupS: number) => {
    const common = {
      port,
      seconds: LOAD_S,
      warmupSeconds: warmupS,
      maxSockets: 64,
      ownSession: values['client-session'] === 'own' || values.realtime,
      realtime: values.realtime,
    };
    const base = `http://127.0.0.1:${port}`;
    // The API's histogram, scraped when the warm-up ends and when the loads do: the same seconds as the client's figures.
    const before = new Promise<Awaited<ReturnType<typeof scrapeRouteHistograms>>>((resolve, reject) =>
      setTimeout(() => scrapeRouteHistograms(base).then(resolve, reject), warmupS * 1000),
    );
    const [token, probe] = await Promise.all([
      runLoad({ ...common, requests, rate, cycle }),
      runLoad({ ...common, requests: [{ method: 'GET', path: '/healthz', headers: {} }], rate: 20, cycle: true, maxSockets: 4 }),
    ]);
    const after = await scrapeRouteHistograms(base);
    const server = { token: serverLatency(await before, after, /^GET .*\/token$/), health: serverLatency(await before, after, /^GET \/healthz$/) };
    return { token, probe, server };
  };
  const working = tokenRows.slice(0, Math.min(TENANTS, tokenRows.length)).map(tokenRequest);
  // Each tenant every 10 s. The warm-up is one whole cycle, so every tenant has called once before the measured
  // seconds, as a backend that calls all day has: with a 5 s warm-up, a quarter of the measured calls were first
  // calls (both caches cold), and the working set's p99 was the cold path's.
  const WORKING_WARMUP_S = 10;
  const ws10 = await measure(working, working.length / 10, true, WORKING_WARMUP_S);
  progress(`  working set: p99 ${ws10.token.p99.toFixed(2)} ms (probe ${ws10.probe.p99.toFixed(2)} ms)`);
  // Integrations (and keys) never asked for: both caches miss. 100/s, each once (warm-up rows included).
  const coldRows = tokenRows.slice(working.length).map(tokenRequest);
  const cold = coldRows.length ? await measure(coldRows, 100, false, 5) : undefined;
  if (cold) progress(`  cold sweep: p99 ${cold.token.p99.toFixed(2)} ms (probe ${cold.probe.p99.toFixed(2)} ms)`);
  await record('end');

  const sandboxStats = await sandbox.stats();
  const f = (n: number, d = 1) => n.toFixed(d);
  const lines = [
    '',
    `Connections benchmark — ${HOUR} one-hour + ${SHORT} × ${TTL} s integrations, ${f(observedS, 0)} s observed, one worker (cache ${CACHE ?? 'default'}, node flags ${workerFlags.join(' ') || 'none'})`,
    `  tokens                    one-hour: written through the vault, workflows started from the rows; ${TTL} s: real sandbox consent flows`,
    `  refreshed before expiry   ${f(100 * (1 - lateSamples / Math.max(1, samples)), 2)} % of samples unexpired; integrations ever seen expired while active: ${late.size}`,
    `  refreshes                 ${logs.length} (≈ ${expected} expected for the ${TTL} s set); ${TTL} s integrations with fewer than ${minPerShort}: ${shortUnder}; one-hour integrations refreshed: ${hourRefreshed}`,
    `  double refreshes          ${doubles} in the integration logs; refresh tokens presented twice at the sandbox: ${sandboxStats.refreshTokenReuses}; sandbox refresh errors ${sandboxStats.refreshErrors}`,
    `  connect flows             ${SHORT - connectFailures.length} of ${SHORT} connected${connectFailures.length ? ` (${connectFailures.length} failed: see above; the sandbox refused code exchanges: ${JSON.stringify(sandboxStats.codeErrorsByReason ?? {})})` : ''}`,
    `  worker RSS                peak ${f(peakRss, 0)} MiB, settled ${f(settledRss, 0)} MiB (mean of the last 60 s observed)   target ≤ 1024 MiB`,
    `  start ${HOUR} workflows     ${f(startSeconds)} s (${f(HOUR / Math.max(0.001, startSeconds), 0)}/s); every first task run at ${f(firstTasksSeconds)} s; worker CPU ${f(startCpuMs / 1000)} s (${f(startCpuMs / Math.max(1, HOUR), 2)} ms each)`,
    `  query after eviction      p50 ${f(evicted.p50, 2)} ms, p99 ${f(evicted.p99, 2)} ms, worker CPU ${f(evicted.cpuPerQuery, 2)} ms per query (replay; background CPU ${f(backgroundPerMs * 100, 0)} % of a core taken off)`,
    `  query, cached             p50 ${f(cached.p50, 2)} ms, p99 ${f(cached.p99, 2)} ms, worker CPU ${f(cached.cpuPerQuery, 2)} ms per query`,
    `  token API (open loop, ${LOAD_S} s after a warm-up: ${WORKING_WARMUP_S} s for the working set, 5 s for the sweep; target p99 ≤ 5 ms on the working set)   | /healthz probe beside it, 20/s`,
    tokenLine(`${working.length} tenants, each every 10 s`, ws10),
    ...(cold ? [tokenLine('cold sweep, each once', cold)] : []),
    `    (the sandbox authorization server runs in its own process; the API process serves only Plugboard; the token and /healthz clients ${values['client-session'] === 'own' || values.realtime ? 'each in a process and session of its own' : 'in threads of this process'}${values.realtime ? '; the API and both clients under SCHED_RR (--realtime)' : ''})`,
    '  worker memory by phase    RSS | main isolate heap used/total, external | workflow threads heap used/total (connections, webhooks, sync, legacy…)',
    ...phases.map(
      (p) =>
        `    ${p.phase.padEnd(16)} ${f(p.rss, 0).padStart(5)} MiB | ${f(p.main.heapUsed, 0).padStart(4)}/${f(p.main.heapTotal, 0)} MiB, ${f(p.main.external, 0)} MiB | ${p.threads.map((t) => `${f(t.heapUsed, 0)}/${f(t.heapTotal, 0)}`).join(' · ')} MiB`,
    ),
    ...(apiProf.length
      ? [`  API CPU profile           ${path.join(dataDir, 'api-prof')} (written when the API exits; node bench/lib/cpu-summary.ts <file>)`]
      : []),
    ...(values.snapshot ? [`  heap snapshots            ${path.join(dataDir, 'snapshots')} (node bench/lib/heap-summary.ts <file>)`] : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (error) {
  progress(`benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  clearInterval(rssTimer);
  await stopChild(worker);
  await stopChild(apiProcess);
  await temporal.close().catch(() => undefined);
  await orm.close();
  await sandbox.stop();
  await temporalServer.stop();
  await pg.stop();
  process.exit(process.exitCode ?? 0);
}
