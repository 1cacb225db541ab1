import { AppError } from '../../lib/errors.ts';
import { safeEqual, sha256Hex } from '../../lib/hash.ts';
import type { AppContext } from '../context.ts';

/** GET /healthz — the process is up. */
export async function healthz(ctx: AppContext): Promise<void> {
  ctx.body = { status: 'ok' };
}

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /readyz — 200 when Postgres and Temporal both answer, 503 naming what does not. */
export async function readyz(ctx: AppContext): Promise<void> {
  const [postgres, temporal] = await Promise.allSettled([
    within(2000, ctx.state.em.getConnection().execute('select 1')),
    within(2000, ctx.deps.temporal.checkHealth()),
  ]);
  const checks = {
    postgres: postgres.status === 'fulfilled' ? 'ok' : 'unreachable',
    temporal: temporal.status === 'fulfilled' ? 'ok' : 'unreachable',
  };
  const ready = checks.postgres === 'ok' && checks.temporal === 'ok';
  ctx.status = ready ? 200 : 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: ready ? 'ready' : 'not_ready', checks };
}

/**
 * GET /metrics — Prometheus exposition. With PLUGBOARD_METRICS_TOKEN set, only for `Authorization: Bearer <token>`,
 * compared in constant time (over digests, so the length does not show either).
 */
export async function metrics(ctx: AppContext): Promise<void> {
  const token = ctx.deps.env.PLUGBOARD_METRICS_TOKEN;
  if (token !== undefined) {
    const given = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1] ?? '';
    if (!safeEqual(sha256Hex(given), sha256Hex(token))) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <PLUGBOARD_METRICS_TOKEN>.');
    }
  }
  ctx.type = ctx.deps.registry.contentType;
  ctx.body = await ctx.deps.registry.metrics();
}
