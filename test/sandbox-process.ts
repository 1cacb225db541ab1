/**
 * The standalone sandbox authorization server (`api/sandbox/main.ts`) as a child process, for tests that run API
 * and workers against PLUGBOARD_SANDBOX_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from '../scripts/services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What GET /sandbox/admin/stats answers. */
export interface SandboxStats {
  authorizationCodeGrants: number;
  refreshGrants: number;
  refreshErrors: number;
  revocations: number;
  /** Refresh tokens presented a second time (oidc-provider then revokes the grant): double refreshes. */
  refreshTokenReuses: number;
  /** Failed refresh grants by `<error>: <error_description>`. */
  refreshErrorsByReason: Record<string, number>;
  /** Authorization-code exchanges refused, by oidc-provider's error and detail. */
  codeErrorsByReason: Record<string, number>;
  refreshesByGrant: Record<string, number>;
}

export interface SandboxProcess {
  /** PLUGBOARD_SANDBOX_URL for the API and workers. */
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stats(): Promise<SandboxStats>;
  stop(): Promise<void>;
}

/** Reserves the sandbox's port first, so the API can be configured with its URL before it starts. */
export async function reserveSandbox(): Promise<{ url: string; port: number }> {
  const port = await freePort();
  return { url: `http://127.0.0.1:${port}`, port };
}

/** Starts `api/sandbox/main.ts` on `at` for Plugboard at `publicUrl`, resolving when it answers. */
export async function startSandboxProcess(
  at: { url: string; port: number },
  options: { publicUrl: string; encryptionKeys: string; env?: Record<string, string> },
): Promise<SandboxProcess> {
  const lines: string[] = [];
  const child = spawn(process.execPath, ['api/sandbox/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PUBLIC_URL: options.publicUrl,
      PLUGBOARD_SANDBOX_URL: at.url,
      PLUGBOARD_SANDBOX_PORT: String(at.port),
      PLUGBOARD_ENCRYPTION_KEYS: options.encryptionKeys,
      HOST: '127.0.0.1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the sandbox exited (${child.exitCode}):\n${lines.join('\n')}`);
    const up = await fetch(`${at.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the sandbox did not answer within 30 s:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    ...at,
    child,
    output: () => lines.join('\n'),
    async stats() {
      const res = await fetch(`${at.url}/sandbox/admin/stats`);
      if (!res.ok) throw new Error(`sandbox stats answered ${res.status}`);
      return (await res.json()) as SandboxStats;
    },
    stop: () => stopChild(child, 5_000),
  };
}
