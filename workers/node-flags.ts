/**
 * How a worker process is started: its main isolate's heap can only be sized on the command line, so these flags
 * are in every shipped command that starts `workers/main.ts` — scripts/dev.ts (`npm start`), scripts/run.sh
 * (`npm run worker`), docker-compose.yml and the benchmarks; test/worker-memory.test.ts checks the shell script and
 * the compose file against this list. docs/operations.md "Worker memory" explains each for operators.
 *
 * - `--max-old-space-size=320`: node's default is about a quarter of the host's memory, and V8 lets garbage grow
 *   toward it (the main isolate holds ≈ 100–135 MiB live at 10,000 connections).
 * - `--max-semi-space-size=16`: V8 sizes the young generation from the host's memory too: 64 MiB semi-spaces on the
 *   24 GiB benchmark machine, so the main isolate committed ≈ 240 MiB for ≈ 135 MiB live. The workflow threads get
 *   4 MiB (workers/create-worker.ts); the main isolate's activities allocate a webhook batch at a time, so 16.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=320', '--max-semi-space-size=16'];

/** Environment for a worker process: fewer glibc malloc arenas for the SDK core's native threads. */
export const WORKER_NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
