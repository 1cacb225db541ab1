/**
 * Connections benchmark (issue "Connections"): N sandbox integrations with short token lifetimes on ONE
 * worker process. Prints refreshes on time, double refreshes, worker RSS, and the token API's req/s and
 * p99 as ratios of a bare Koa handler measured in the same run with the same client.
 *
 *   npm run bench -- connections [--integrations 1000] [--ttl 60] [--observe 180]
 *
 * Everything is on loopback and bounded in count and time.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import { createApp } from '../api/app.ts';
import { buildAppDeps } from '../api/deps.ts';
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

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'connections'),
  options: {
    integrations: { type: 'string', default: '1000' },
    ttl: { type: 'string', default: '60' },
    observe: { type: 'string', default: '180' },
    'load-seconds': { type: 'string', default: '10' },
  },
});
const N = Number(values.integrations);
const TTL = Number(values.ttl);
const OBSERVE_S = Number(values.observe);
const LOAD_S = Number(values['load-seconds']);

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

/** A bounded keep-alive load loop: `concurrency` clients for `seconds`, recording each latency. */
async function load(port: number, paths: () => { path: string; headers?: Record<string, string> }, seconds: number, concurrency = 16) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const { path: p, headers } = paths();
        const started = process.hrtime.bigint();
        const status = await new Promise<number>((resolve) => {
          const req = request({ host: '127.0.0.1', port, path: p, agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', () => resolve(0));
          req.end();
        });
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (status !== 200) errors++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99), errors, count: latencies.length };
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const dataDir = path.resolve('.data', `bench-connections-${Date.now()}`);
progress(`connections benchmark: ${N} integrations, ${TTL} s tokens, observing ${OBSERVE_S} s`);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
const temporalServer = await startTemporalDevServer({ cli: loadEnv().TEMPORAL_CLI ?? '.tools/bin/temporal', port: await freePort() });
const keys = generateKeySpec('v1');
const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
const rawEnv = {
  NODE_ENV: 'test',
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  PORT: String(port),
  DATABASE_URL: pg.url,
  TEMPORAL_ADDRESS: temporalServer.address,
  TEMPORAL_TASK_QUEUE: 'bench',
  PLUGBOARD_ENCRYPTION_KEYS: keys,
  PLUGBOARD_DATA_DIR: dataDir,
  PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: String(TTL),
  LOG_LEVEL: 'warn',
};
const env = loadEnv(rawEnv);
const orm = await openOrm(pg.url, { pool: { min: 0, max: 20 } });
await migrate(orm);
const vault = new Vault(parseKeyring(keys));
const logger = createLogger({ level: 'warn' });
const deps = await buildAppDeps({ env, orm, vault, logger });
const { temporal } = deps;
const sandbox = deps.sandbox!;
server.on('request', createApp(deps).callback());

const worker = spawn(process.execPath, ['workers/main.ts'], { env: { ...process.env, ...rawEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssOf(worker.pid!))), 1000);

try {
  progress(`creating ${N} tenants with a sandbox integration each`);
  const rows: { id: string; key: string }[] = [];
  for (let i = 0; i < N; i++) {
    const em = orm.em.fork();
    const tenant = await createTenant(em, `bench-${i}`);
    const { plaintext } = await createApiKey(em, tenant.id, 'bench');
    const integration = await new IntegrationRepository(em, tenant.id, vault).create({ provider: 'sandbox' });
    rows.push({ id: integration.id, key: plaintext });
  }
  progress('connecting every integration through the sandbox consent flow');
  const connectStarted = Date.now();
  let connected = 0;
  await pool(rows, 8, async (row) => {
    const res = await fetch(`${env.PUBLIC_URL}/api/v1/integrations/${row.id}/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${row.key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { data } = (await res.json()) as { data: { connectUrl: string } };
    const callback = await new ScriptedBrowser().connect(data.connectUrl);
    if (!callback.headers.get('location')?.includes('connect=connected')) throw new Error(`connect failed for ${row.id}`);
    if (++connected % 100 === 0) progress(`  connected ${connected}/${N}`);
  });
  progress(`connected ${N} in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);

  const observeFrom = new Date();
  const refreshesBefore = sandbox.control.stats.refreshGrants;
  const late = new Set<string>();
  let samples = 0;
  let lateSamples = 0;
  const end = Date.now() + OBSERVE_S * 1000;
  while (Date.now() < end) {
    const expired = await orm.em.fork().find(Integration, { status: 'active', tokenExpiresAt: { $lt: new Date() } }, { fields: ['id'] });
    samples += N;
    lateSamples += expired.length;
    for (const e of expired) late.add(e.id);
    progress(
      `  t+${Math.round((Date.now() - observeFrom.getTime()) / 1000)} s: ${sandbox.control.stats.refreshGrants - refreshesBefore} refreshes, ${expired.length} expired now, worker RSS ${rssOf(worker.pid!).toFixed(0)} MiB`,
    );
    await new Promise((r) => setTimeout(r, 5000));
  }
  const refreshes = sandbox.control.stats.refreshGrants - refreshesBefore;
  const logs = await orm.em
    .fork()
    .find(
      IntegrationLog,
      { kind: 'refreshed', createdAt: { $gte: observeFrom } },
      { orderBy: { integrationId: 'asc', createdAt: 'asc' }, fields: ['integrationId', 'createdAt'] },
    );
  let doubles = 0;
  for (let i = 1; i < logs.length; i++) {
    const a = logs[i - 1]!;
    const b = logs[i]!;
    if (a.integrationId === b.integrationId && b.createdAt.getTime() - a.createdAt.getTime() < TTL * 500) doubles++;
  }
  const expected = Math.floor((OBSERVE_S / (TTL * 0.75)) * N);

  progress('measuring the token API against a bare Koa handler (same client, same run)');
  const bare = new Koa();
  bare.use((ctx) => {
    ctx.body = { data: { accessToken: 'x'.repeat(43), expiresAt: new Date().toISOString() } };
  });
  const bareServer = bare.listen(0, '127.0.0.1');
  await new Promise((r) => bareServer.once('listening', r));
  const barePort = (bareServer.address() as { port: number }).port;
  let k = 0;
  const tokenPath = () => {
    const row = rows[k++ % rows.length]!;
    return { path: `/api/v1/integrations/${row.id}/token`, headers: { authorization: `Bearer ${row.key}` } };
  };
  const baseline = await load(barePort, () => ({ path: '/' }), LOAD_S);
  const token = await load(port, tokenPath, LOAD_S);
  // One client at a time: the latency a tenant backend sees (docs/architecture.md: token API p99 ≤ 5 ms).
  const baselineSingle = await load(barePort, () => ({ path: '/' }), LOAD_S / 2, 1);
  const tokenSingle = await load(port, tokenPath, LOAD_S / 2, 1);
  bareServer.close();

  const lines = [
    '',
    `Connections benchmark — ${N} integrations, ${TTL} s tokens, ${OBSERVE_S} s observed, one worker`,
    `  refreshes                 ${refreshes} (expected ≈ ${expected}); sandbox refresh errors ${sandbox.control.stats.refreshErrors}`,
    `  refreshes on time         ${(100 * (1 - lateSamples / Math.max(1, samples))).toFixed(2)} % of samples unexpired; integrations ever expired while active: ${late.size}`,
    `  double refreshes          ${doubles}`,
    `  worker RSS                peak ${peakRss.toFixed(0)} MiB`,
    `  token API                 ${token.rps.toFixed(0)} req/s, p50 ${token.p50.toFixed(2)} ms, p99 ${token.p99.toFixed(2)} ms, errors ${token.errors}`,
    `  bare Koa handler          ${baseline.rps.toFixed(0)} req/s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms`,
    `  ratio (token / bare)      req/s ${(token.rps / baseline.rps).toFixed(2)}, p99 ${(token.p99 / Math.max(0.001, baseline.p99)).toFixed(2)}x   (16 concurrent clients)`,
    `  one client at a time      token API p50 ${tokenSingle.p50.toFixed(2)} ms, p99 ${tokenSingle.p99.toFixed(2)} ms; bare Koa p50 ${baselineSingle.p50.toFixed(2)} ms, p99 ${baselineSingle.p99.toFixed(2)} ms`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
} finally {
  clearInterval(rssTimer);
  await stopChild(worker);
  server.closeAllConnections();
  server.close();
  await temporal.close().catch(() => undefined);
  await orm.close();
  await temporalServer.stop();
  await pg.stop();
  process.exit(0);
}
