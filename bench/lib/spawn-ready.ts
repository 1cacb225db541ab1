import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts `node <script>` with `env` (plus PATH) and resolves once it is ready: its stdout shows `ready` (a
 * string), or `ready.url` answers 200 (for a process that logs quietly). The child is added to `children` so
 * the benchmark stops it however it ends. `ownSession` starts it in a session of its own (`npm start`, scripts/dev.ts,
 * does not): on Linux with autogroup scheduling, its own CPU scheduling group, for an A/B. `nodeArgs` go before the script
 * (a worker's heap flags, workers/node-flags.ts). `realtime` starts it under `chrt -r 1` (SCHED_RR: a waking thread of
 * it takes a core from any ordinary process at once; the kernel still caps real-time threads at 95 % of each second), an
 * A/B of how much of a latency tail is the wait for a core.
 */
export function spawnReady(
  script: string,
  env: Record<string, string>,
  ready: string | { url: string },
  children: ChildProcess[],
  options: { ownSession?: boolean; nodeArgs?: readonly string[]; realtime?: boolean } = {},
): Promise<ChildProcess> {
  const argv = [...(options.nodeArgs ?? []), script];
  const [command, args] = nodeCommand(argv, options.realtime);
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: options.ownSession ?? false,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(child);
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      if (typeof ready === 'string' && out.includes(ready)) finish();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      done = true;
      reject(new Error(`${script} exited (${code}) before it was ready:\n${out.slice(-2000)}`));
    });
    if (typeof ready !== 'string') {
      const poll = async () => {
        while (!done) {
          const ok = await fetch(ready.url).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) return finish();
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });
}

/** `node <argv>`, or under `chrt -r 1` (SCHED_RR) when `realtime`: the command and its arguments for `spawn`. */
export function nodeCommand(argv: readonly string[], realtime = false): [string, string[]] {
  return realtime ? ['chrt', ['-r', '1', process.execPath, ...argv]] : [process.execPath, [...argv]];
}
