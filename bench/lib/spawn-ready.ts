import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts `node <script>` with `env` (plus PATH) and resolves once its stdout shows `readyText`; the child is
 * added to `children` so the benchmark stops it however it ends.
 */
export function spawnReady(script: string, env: Record<string, string>, readyText: string, children: ChildProcess[]): Promise<ChildProcess> {
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
