/**
 * Dashboard list benchmark (issue "Dashboard"): one tenant with 1,000 integrations. Measures the server
 * render time of `/` (the first page: 50 integrations, the stats tiles and the provider catalog, through the
 * one public origin) and prints it next to the API's own `GET /api/v1/integrations?limit=50` as a ratio,
 * both measured in the same run, sequentially, with the same client.
 *
 *   npm run bench -- dashboard-list [--integrations 1000] [--requests 20]
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Integration } from '../db/entities/index.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { loadEnv } from '../lib/env.ts';
import { generateKeySpec } from '../lib/vault.ts';
import { freePort, progress, startEmbeddedPostgres, startTemporalDevServer } from '../scripts/services.ts';
import { startStack } from '../test/e2e/stack.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'dashboard-list'),
  options: { integrations: { type: 'string', default: '1000' }, requests: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' } },
});
const N = Number(values.integrations);
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);

const STATUSES = ['active', 'active', 'active', 'error', 'pending', 'disconnected'] as const;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0;
}

/** Sequential timed GETs (after a warm-up); each response is read fully and must be 200. */
async function measure(url: string, headers: Record<string, string>): Promise<{ p50: number; p95: number; bytes: number; body: string }> {
  const times: number[] = [];
  let body = '';
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers, redirect: 'manual' });
    body = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 300)}`);
    if (i >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), bytes: Buffer.byteLength(body), body };
}

const dataDir = path.resolve('.data', `bench-dashboard-list-${Date.now()}`);
progress(`dashboard list benchmark: ${N} integrations, ${REQUESTS} timed requests each (after ${WARMUP} warm-up)`);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
const temporal = await startTemporalDevServer({ cli: loadEnv().TEMPORAL_CLI ?? '.tools/bin/temporal', port: await freePort() });
const services = { databaseUrl: pg.url, temporalAddress: temporal.address, encryptionKeys: generateKeySpec('v1'), dataDir };
const orm = await openOrm(pg.url);
await migrate(orm);
const stack = await startStack(services, { env: { LOG_LEVEL: 'warn' } });

try {
  const { tenantId, apiKey } = await stack.newTenant('Bench tenant');
  progress(`seeding ${N} integrations`);
  // One integration per (tenant, provider): each row gets its own provider key. Rows only, no workflows —
  // the list reads the table.
  const em = orm.em.fork();
  for (let i = 0; i < N; i++) {
    const status = STATUSES[i % STATUSES.length]!;
    em.create(Integration, {
      tenantId,
      provider: `bench-${String(i).padStart(4, '0')}`,
      displayName: `Bench integration ${i}`,
      status,
      settings: {},
      externalAccountId: status === 'pending' ? null : `account-${i}@example.com`,
      tokenExpiresAt: status === 'active' ? new Date(Date.now() + 3600_000) : null,
      lastSync: status === 'active' ? new Date(Date.now() - 600_000) : null,
      lastError: status === 'error' ? 'Reauthorization required: the provider refused the grant (invalid_grant). Reconnect the integration.' : null,
      errorCount: status === 'error' ? 3 : 0,
    });
  }
  await em.flush();

  // Sign in like a browser: the form action sets the session cookie (SvelteKit checks the Origin).
  const signin = await fetch(`${stack.url}/signin`, {
    method: 'POST',
    headers: { origin: stack.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ apiKey, next: '/' }),
    redirect: 'manual',
  });
  const cookie = signin.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c?.startsWith('pb_session='));
  if (signin.status !== 303 || !cookie) throw new Error(`sign-in failed (${signin.status})`);

  const api = await measure(`${stack.url}/api/v1/integrations?limit=50`, { authorization: `Bearer ${apiKey}` });
  const page = await measure(`${stack.url}/`, { cookie, accept: 'text/html' });
  const rows = new Set(page.body.match(/href="\/integrations\/int_[0-9a-z]{26}"/g) ?? []).size;
  if (rows !== Math.min(50, N)) throw new Error(`expected the first page to render ${Math.min(50, N)} integrations, found ${rows}`);
  if (N > 50 && !page.body.includes('Next page')) throw new Error('the first page has no "Next page" link');

  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  process.stdout.write(
    [
      '',
      `dashboard list, ${N} integrations for one tenant (first page: ${rows} rows, ${(page.bytes / 1024).toFixed(0)} KiB HTML)`,
      `  GET /  (dashboard SSR via the public origin)   p50 ${fmt(page.p50)}   p95 ${fmt(page.p95)}`,
      `  GET /api/v1/integrations?limit=50 (API)         p50 ${fmt(api.p50)}   p95 ${fmt(api.p95)}`,
      `  ratio dashboard / API                            p50 ${(page.p50 / api.p50).toFixed(2)}×   p95 ${(page.p95 / api.p95).toFixed(2)}×`,
      '  (the page also loads the provider catalog and the stats tiles, in parallel with the list)',
      '',
    ].join('\n'),
  );
} finally {
  await stack.stop();
  await orm.close();
  await temporal.stop();
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
