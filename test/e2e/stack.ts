/**
 * The whole Plugboard stack as child processes, for browser tests and benchmarks: the API (`api/server.ts`,
 * with the sandbox and the dashboard proxy: one origin), a worker (`workers/main.ts`) and the built dashboard
 * (`dashboard/build/index.js`), pointed at an existing PostgreSQL and Temporal server. Every start gets its
 * own ports and task queue, so stacks never share work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboardIfStale, freePort, stopChild, waitForPort } from '../../scripts/services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What the run's global setup provides (vitest `inject(...)`), or what a benchmark started itself. */
export interface StackServices {
  databaseUrl: string;
  temporalAddress: string;
  encryptionKeys: string;
  dataDir: string;
}

export interface Stack {
  /** The one public origin (PUBLIC_URL): dashboard, API, OAuth, sandbox. */
  url: string;
  apiPort: number;
  dashboardPort: number;
  /** The environment the API and worker run with (DATABASE_URL and friends), for the CLI. */
  env: Record<string, string>;
  /** Recent output of every process, for failure messages. */
  output(): string;
  /** A tenant and its first API key, made with the CLI (`tenant create <name> --json`). */
  newTenant(name: string): Promise<{ tenantId: string; apiKey: string }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment for the API and the worker (e.g. short sandbox token lifetimes). */
  env?: Record<string, string>;
  /** Prints every process line to stderr as it comes (debugging). */
  verbose?: boolean;
  timeoutMs?: number;
}

async function waitForReady(url: string, timeoutMs: number, exited: Promise<never>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const attempt = fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (res) => {
        last = `HTTP ${res.status}`;
        return res.ok;
      },
      (error: Error) => {
        last = error.message;
        return false;
      },
    );
    if (await Promise.race([attempt, exited])) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s (last: ${last})`);
}

export async function startStack(services: StackServices, options: StackOptions = {}): Promise<Stack> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  await buildDashboardIfStale({ root: ROOT, quiet: true });
  const [apiPort, dashboardPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${apiPort}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: services.databaseUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    PLUGBOARD_ENCRYPTION_KEYS: services.encryptionKeys,
    PLUGBOARD_DATA_DIR: services.dataDir,
    PUBLIC_URL: url,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DASHBOARD_URL: `http://127.0.0.1:${dashboardPort}`,
    TEMPORAL_TASK_QUEUE: `e2e-${randomBytes(5).toString('hex')}`,
    PLUGBOARD_SESSION_SECRET: randomBytes(32).toString('base64url'),
    PLUGBOARD_SANDBOX: 'true',
    LOG_LEVEL: 'info',
    // The sandbox, the provider fakes and the forwarding receivers listen on loopback, which the outbound guard refuses by default.
    PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
    ...options.env,
  };
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ };

  const lines: string[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  let rejectExit: (error: Error) => void = () => undefined;
  const exited = new Promise<never>((_, reject) => (rejectExit = reject));
  exited.catch(() => undefined);

  const start = (name: string, script: string, childEnv: Record<string, string>) => {
    const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...base, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        lines.push(`[${name}] ${line}`);
        if (lines.length > 400) lines.shift();
        if (options.verbose) process.stderr.write(`[${name}] ${line}\n`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      if (!stopping) rejectExit(new Error(`${name} exited early (${signal ?? `code ${code}`}):\n${lines.slice(-40).join('\n')}`));
    });
  };

  const stop = async () => {
    stopping = true;
    await Promise.all(children.map((c) => stopChild(c, 10_000)));
  };

  try {
    start('api', 'api/server.ts', env);
    // At info level the worker announces "worker running", which is how we know it polls the task queue.
    start('worker', 'workers/main.ts', { ...env, LOG_LEVEL: 'info' });
    start('dashboard', 'dashboard/build/index.js', {
      ...env,
      PORT: String(dashboardPort),
      HOST: '127.0.0.1',
      PROTOCOL_HEADER: 'x-forwarded-proto',
      HOST_HEADER: 'x-forwarded-host',
      ADDRESS_HEADER: 'x-forwarded-for',
      XFF_DEPTH: '1',
      PLUGBOARD_API_URL: url,
    });
    await waitForReady(`${url}/readyz`, timeoutMs, exited);
    await Promise.race([waitForPort(dashboardPort, '127.0.0.1', timeoutMs), exited]);
    // The worker logs "worker running" once it polls the task queue; connecting needs it.
    const deadline = Date.now() + timeoutMs;
    while (!lines.some((l) => l.startsWith('[worker]') && l.includes('worker running'))) {
      if (Date.now() > deadline) throw new Error('the worker did not start polling in time');
      await Promise.race([new Promise((r) => setTimeout(r, 200)), exited]);
    }
  } catch (error) {
    await stop();
    throw new Error(`the stack did not start: ${(error as Error).message}\n${lines.slice(-40).join('\n')}`, { cause: error });
  }

  return {
    url,
    apiPort,
    dashboardPort,
    env,
    output: () => lines.join('\n'),
    async newTenant(name) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['scripts/cli.ts', 'tenant', 'create', name, '--json'], {
          cwd: ROOT,
          env: { ...base, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
        child.stderr.on('data', (d: Buffer) => err.push(d.toString()));
        child.on('exit', resolve);
      });
      if (code !== 0) throw new Error(`tenant create failed (${code}): ${err.join('')}`);
      return JSON.parse(out.join('').trim().split('\n').pop()!) as { tenantId: string; apiKey: string };
    },
    stop,
  };
}

/** Chromium's flags for the browser tests: headless on a CI host with no GPU, no sandbox and no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
