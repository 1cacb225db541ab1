import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../scripts/services.ts';
import { freshDatabase } from './helpers.ts';

/** The processes of a session (`npm start` is started in a session of its own, so this is all it started). */
function sessionPids(sid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-s', String(sid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

describe('npm start (scripts/dev.ts)', () => {
  it('stops the API, the worker, the dashboard and the Temporal dev server when the npm process gets SIGTERM', async () => {
    // Its own database on the run's PostgreSQL (the embedded one has a fixed port a developer's `npm start` may hold);
    // every other service is a child of scripts/dev.ts, on free ports.
    const [port, dashboardPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-dev-stop-'));
    const npm = spawn('npm', ['start'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      detached: true, // a session of its own: what is left of it afterwards is what it leaked
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: await freshDatabase('dev_stop'),
        PORT: String(port),
        DASHBOARD_URL: `http://127.0.0.1:${dashboardPort}`,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        TEMPORAL_UI_URL: `http://127.0.0.1:${uiPort}`,
        PLUGBOARD_DATA_DIR: dataDir,
      },
    });
    const sid = npm.pid!;
    let output = '';
    npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
    npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 240_000;
      while (!output.includes('Plugboard is ready')) {
        if (output.includes('could not start') || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const running = execFileSync('ps', ['-o', 'args=', '-s', String(sid)], { encoding: 'utf8' });
      for (const child of ['scripts/dev.ts', 'api/server.ts', 'workers/main.ts', 'dashboard/build/index.js', 'server start-dev'])
        expect(running).toContain(child);

      npm.kill('SIGTERM');
      const until = Date.now() + 30_000;
      while (sessionPids(sid).length && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      const left = sessionPids(sid).length ? execFileSync('ps', ['-o', 'pid=,args=', '-s', String(sid)], { encoding: 'utf8' }) : '';
      expect(left, 'processes still running 30 s after SIGTERM to npm').toBe('');
      expect(output).toContain('stopped');
    } finally {
      for (const pid of sessionPids(sid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 330_000);
});
