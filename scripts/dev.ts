/**
 * `npm start`: runs the whole stack on embedded defaults behind one origin (PUBLIC_URL):
 * PostgreSQL (embedded unless DATABASE_URL), the Temporal dev server (UI on 8233), migrations, the Koa
 * API, one worker and the dashboard. Ctrl-C, SIGTERM or SIGHUP — to this process or to the `npm start` above it —
 * stops every child; a second start reuses `.data/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertKeyringMatches } from '../db/key-check.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { ensureOwnerAccount } from '../db/repositories/team.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { Tenant } from '../db/entities/index.ts';
import { hashPassword } from '../lib/auth/password.ts';
import { loadEnv } from '../lib/env.ts';
import { randomSecret } from '../lib/ids.ts';
import { loadVault } from '../lib/keyring.ts';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../workers/node-flags.ts';
import { ensureLocalDatabase } from './local-db.ts';
import { buildDashboardIfStale, portOpen, progress, startTemporalDevServer, stopChild, waitForPort, type ServiceHandle } from './services.ts';

const env = loadEnv();
const dataDir = path.resolve(env.PLUGBOARD_DATA_DIR);
mkdirSync(dataDir, { recursive: true });
const services: ServiceHandle[] = [];
const children = new Map<string, ChildProcess>();
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    progress('stopping…');
    await Promise.all([...children.values()].map((c) => stopChild(c)));
    for (const s of services.reverse()) await s.stop().catch(() => undefined);
    progress('stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
// `npm start` runs this under `sh -c`, which does not pass on the SIGTERM npm forwards to it: sh dies and this
// process is re-parented, still running, with every child. So a changed parent means "stop" too, as a signal would
// (the same holds when npm itself is killed outright).
const parentPid = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(parentWatch); // once: a second shutdown() call exits at once, leaving the children
  progress(`the parent process (${parentPid}) is gone`);
  void shutdown(0);
}, 500).unref();
// The parent's end of stdout/stderr may be gone while stopping: losing a log line must not stop the shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

function secretFile(name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, make() + '\n', { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Pretty-prints pino JSON lines from a child, prefixed with its name. */
function pipeLogs(name: string, child: ChildProcess): void {
  const colors: Record<string, string> = { api: '36', worker: '35', dashboard: '32', sandbox: '34' };
  const prefix = `\x1b[${colors[name] ?? '37'}m[${name}]\x1b[0m`;
  const levels: Record<number, string> = {
    10: 'trace',
    20: 'debug',
    30: 'info',
    40: '\x1b[33mwarn\x1b[0m',
    50: '\x1b[31merror\x1b[0m',
    60: '\x1b[31mfatal\x1b[0m',
  };
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      let text = line;
      try {
        const { level, msg, time: _t, name: _n, pid: _p, hostname: _h, ...rest } = JSON.parse(line);
        const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        text = `${levels[level] ?? level} ${msg}${extra}`;
      } catch {
        /* not JSON: print as is */
      }
      process.stdout.write(`${prefix} ${text}\n`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
}

/** The demo tenant's owner account for the dashboard (docs/architecture.md "Team accounts"). */
const DEMO_OWNER_EMAIL = 'owner@demo.plugboard.local';

function startChild(name: string, args: string[], childEnv: NodeJS.ProcessEnv): void {
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(name, child);
  pipeLogs(name, child);
  child.on('exit', (code, signal) => {
    if (shuttingDown) return;
    progress(`${name} exited (${signal ?? `code ${code}`}); stopping everything. See its log lines above.`);
    void shutdown(1);
  });
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

try {
  const started = Date.now();
  // 1. PostgreSQL
  const db = await ensureLocalDatabase(env);
  services.push(db);

  // 2. Temporal dev server (reused when one already answers on TEMPORAL_ADDRESS)
  const [temporalHost, temporalPortText] = env.TEMPORAL_ADDRESS.split(':');
  const temporalPort = Number(temporalPortText ?? 7233);
  const temporalLocal = temporalHost === '127.0.0.1' || temporalHost === 'localhost';
  if (temporalLocal && !(await portOpen(temporalPort))) {
    if (!env.TEMPORAL_CLI) throw new Error('TEMPORAL_CLI is not set: run `npm start`, whose bootstrap builds or finds the Temporal CLI.');
    progress(`starting the Temporal dev server on ${env.TEMPORAL_ADDRESS} (UI ${env.TEMPORAL_UI_URL})`);
    const uiPort = Number(new URL(env.TEMPORAL_UI_URL).port || 8233);
    services.push(
      await startTemporalDevServer({
        cli: env.TEMPORAL_CLI,
        port: temporalPort,
        uiPort,
        dbFile: path.join(dataDir, 'temporal.db'),
        namespace: env.TEMPORAL_NAMESPACE,
      }),
    );
  } else {
    progress(`using the Temporal server at ${env.TEMPORAL_ADDRESS}`);
  }

  // 3. Migrations, keys, demo tenant
  const vault = loadVault(env, (m) => progress(`warning: ${m}`));
  const orm = await openOrm(db.url);
  const applied = await migrate(orm);
  progress(applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
  await assertKeyringMatches(orm.em.fork(), vault);
  const demoFile = path.join(dataDir, 'demo-tenant.json');
  let demo: { tenantId: string; apiKey: string } | undefined;
  let demoOwnerPassword: string | null = null;
  if (env.NODE_ENV === 'development') {
    const em = orm.em.fork();
    if (existsSync(demoFile)) demo = JSON.parse(readFileSync(demoFile, 'utf8'));
    if (!demo || !(await em.findOne(Tenant, { id: demo.tenantId }))) {
      const tenant = await createTenant(em, 'Demo');
      const { plaintext } = await createApiKey(em, tenant.id, 'demo');
      demo = { tenantId: tenant.id, apiKey: plaintext };
      writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
      if (env.sandboxEnabled) await new IntegrationRepository(em, tenant.id, vault).create({ provider: 'sandbox', displayName: 'Sandbox (try me)' });
      progress('created the demo tenant with a sandbox integration');
    }
    // Its owner account for the dashboard: the password is printed only when created (or reset with
    // `npm start -- --reset-owner-password`); only its scrypt hash is stored.
    demoOwnerPassword = await ensureOwnerAccount(em, demo.tenantId, DEMO_OWNER_EMAIL, {
      reset: process.argv.includes('--reset-owner-password'),
      hashPassword,
      generatePassword: () => randomSecret(18),
    });
  }
  await orm.close();

  // 4. API, worker, dashboard
  const sessionSecret = env.PLUGBOARD_SESSION_SECRET ?? secretFile('session-secret', () => randomSecret(32));
  const dashboardUrl = new URL(env.DASHBOARD_URL);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: env.NODE_ENV,
    DATABASE_URL: db.url,
    PUBLIC_URL: env.PUBLIC_URL,
    PLUGBOARD_DATA_DIR: dataDir,
    PLUGBOARD_SESSION_SECRET: sessionSecret,
    // Local development: custom providers and forwarding targets on this machine (the outbound guard refuses
    // loopback otherwise), on top of what the operator allows.
    PLUGBOARD_OUTBOUND_ALLOW: [process.env.PLUGBOARD_OUTBOUND_ALLOW, '127.0.0.0/8', '::1'].filter(Boolean).join(','),
  };
  if (existsSync('dashboard/package.json')) await buildDashboardIfStale({ root: process.cwd() });
  startChild('api', ['api/server.ts'], childEnv);
  // Worker memory (docs/operations.md "Worker memory"): the main isolate's heap limit and glibc's malloc arenas are fixed at start.
  startChild('worker', [...WORKER_NODE_FLAGS, 'workers/main.ts'], { ...WORKER_NODE_ENV, ...childEnv });
  // PLUGBOARD_SANDBOX_URL: the sandbox as its own process (api/sandbox/main.ts) instead of inside the API.
  if (env.sandboxEnabled && env.PLUGBOARD_SANDBOX_URL) {
    const sandboxUrl = new URL(env.PLUGBOARD_SANDBOX_URL);
    startChild('sandbox', ['api/sandbox/main.ts'], { ...childEnv, PLUGBOARD_SANDBOX_PORT: String(env.PLUGBOARD_SANDBOX_PORT ?? (sandboxUrl.port || 80)) });
  }
  if (existsSync('dashboard/build/index.js')) {
    startChild('dashboard', ['dashboard/build/index.js'], {
      ...childEnv,
      PORT: dashboardUrl.port,
      HOST: dashboardUrl.hostname,
      PROTOCOL_HEADER: 'x-forwarded-proto',
      HOST_HEADER: 'x-forwarded-host',
      // The browser's address, as the API's dashboard proxy sets it (one hop): the dashboard passes it on to the API,
      // which believes it from the loopback dashboard (PLUGBOARD_TRUSTED_PROXIES, docs/operations.md).
      ADDRESS_HEADER: 'x-forwarded-for',
      XFF_DEPTH: '1',
      PLUGBOARD_API_URL: `http://127.0.0.1:${env.PORT}`,
    });
  }
  await waitForReady(`http://127.0.0.1:${env.PORT}/readyz`, 120_000);
  if (children.has('dashboard')) await waitForPort(Number(dashboardUrl.port), dashboardUrl.hostname, 60_000);

  const lines = [
    '',
    `\x1b[1mPlugboard is ready\x1b[0m (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `  Dashboard    ${env.PUBLIC_URL}/`,
    `  REST API     ${env.PUBLIC_URL}/api/v1   (health: ${env.PUBLIC_URL}/readyz, metrics: ${env.PUBLIC_URL}/metrics)`,
    `  Temporal UI  ${env.TEMPORAL_UI_URL}`,
    ...(env.sandboxEnabled && env.PLUGBOARD_SANDBOX_URL ? [`  Sandbox      ${env.PLUGBOARD_SANDBOX_URL}/sandbox (its own process)`] : []),
    ...(demo
      ? [
          `  Demo tenant  ${demo.tenantId}`,
          `  Demo API key ${demo.apiKey}   (for backends; also in ${path.relative(process.cwd(), demoFile)})`,
          demoOwnerPassword
            ? `  Demo owner   ${DEMO_OWNER_EMAIL}   password ${demoOwnerPassword}   (sign in to the dashboard; shown this once — \`npm start -- --reset-owner-password\` sets a new one)`
            : `  Demo owner   ${DEMO_OWNER_EMAIL}   (password printed when it was created; \`npm start -- --reset-owner-password\` sets a new one)`,
        ]
      : []),
    '  Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
} catch (error) {
  progress(`could not start: ${(error as Error).message}`);
  await shutdown(1);
}
