import type { Middleware } from 'koa';
import type { Logger } from '../../lib/logger.ts';
import type { HttpMetrics } from '../../lib/metrics.ts';

/**
 * One JSON line per request. Only the path is logged, never the query string: OAuth callbacks carry
 * `code` and `state` there (REQ-6), and nothing else we serve needs its query logged. A connect link's path
 * is itself a credential until the flow opens (REQ-19): it is logged as its route.
 */
const CONNECT_PREFIX = '/oauth/connect/';

/**
 * The path as it may be logged: the bearer secrets some paths carry are replaced by their route parameter — a
 * connect link (`/oauth/connect/:token`), an invitation link as the API serves it (`/api/v1/invitations/:token`,
 * `…/:token/accept`; an invitation id `inv_…` is no secret) and as the dashboard page (`/invite/:token`, proxied
 * through the API). Used by the access log and the error log (REQ-19).
 */
export function loggablePath(path: string): string {
  if (path.startsWith(CONNECT_PREFIX)) return `${CONNECT_PREFIX}:token`;
  return path.replace(/^(\/api\/v1\/invitations\/)(?!inv_[0-9a-z]{26}(?:\/|$))[^/]+/i, '$1:token').replace(/^(\/invite\/)[^/]+/, '$1:token');
}

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
            path: loggablePath(ctx.path),
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
