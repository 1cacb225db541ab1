import type { Middleware } from 'koa';
import type { Logger } from '../../lib/logger.ts';
import type { HttpMetrics } from '../../lib/metrics.ts';

/**
 * One JSON line per request. Only the path is logged, never the query string: OAuth callbacks carry
 * `code` and `state` there (REQ-6), and nothing else we serve needs its query logged. A connect link's path
 * is itself a credential until the flow opens (REQ-19): it is logged as its route.
 */
const CONNECT_PREFIX = '/oauth/connect/';

export function accessLog(options: { logger: Logger; metrics: HttpMetrics }): Middleware {
  return async function accessLogMiddleware(ctx, next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = (ctx as { routerPath?: string }).routerPath ?? (ctx.status === 404 ? 'unmatched' : ctx.path.split('/').slice(0, 3).join('/'));
      options.metrics.observe(ctx.method, route, ctx.status, ms / 1000);
      if (ctx.path !== '/healthz' && ctx.path !== '/metrics') {
        options.logger.info(
          {
            requestId: ctx.state.requestId,
            method: ctx.method,
            path: ctx.path.startsWith(CONNECT_PREFIX) ? `${CONNECT_PREFIX}:token` : ctx.path,
            status: ctx.status,
            ms: Math.round(ms * 10) / 10,
            tenantId: ctx.state.tenant?.id,
          },
          'request',
        );
      }
    }
  };
}
