/**
 * How congested this process's event loop is: a timer due every SAMPLE_MS measures how late it fires, smoothed
 * (EWMA). One sampler per process, started on first use; its timer never keeps the process alive.
 *
 * The worker's webhook batches read it (activities/webhook-batch.activities.ts): a batch of an integration with a
 * backlog gives way while the loop is congested, so the work that waits in the same loop behind it (a quiet
 * integration's workflow task and batch, a connect or a refresh) is not queued behind a flood.
 */
const SAMPLE_MS = 20;
const ALPHA = 0.3;

let lagMs = 0;
let timer: NodeJS.Timeout | undefined;

function start(): void {
  let due = performance.now() + SAMPLE_MS;
  timer = setInterval(() => {
    const now = performance.now();
    lagMs = ALPHA * Math.max(0, now - due) + (1 - ALPHA) * lagMs;
    due = now + SAMPLE_MS;
  }, SAMPLE_MS);
  timer.unref();
}

/** The smoothed event-loop lag (ms) of this process. */
export function eventLoopLagMs(): number {
  if (!timer) start();
  return lagMs;
}
