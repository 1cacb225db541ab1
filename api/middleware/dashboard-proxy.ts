import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Middleware } from 'koa';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())));
}

/**
 * Serves the dashboard on the API's origin (docs/architecture.md): requests no API route claimed are streamed to
 * the SvelteKit node server. One origin keeps OAuth redirect URIs and cookies simple.
 */
export function dashboardProxy(options: { target: string; publicUrl: string; ownPaths: RegExp }): Middleware {
  const target = new URL(options.target);
  const publicUrl = new URL(options.publicUrl);
  return async function dashboardProxyMiddleware(ctx, next) {
    if (options.ownPaths.test(ctx.path)) return next();
    ctx.respond = false;
    await new Promise<void>((resolve) => {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: ctx.method,
          path: ctx.url,
          headers: {
            ...forwardable(ctx.req.headers),
            host: publicUrl.host,
            'x-forwarded-proto': publicUrl.protocol.replace(':', ''),
            'x-forwarded-host': publicUrl.host,
            'x-forwarded-for': ctx.ip,
          },
        },
        (res) => {
          ctx.res.writeHead(res.statusCode ?? 502, forwardable(res.headers));
          res.pipe(ctx.res);
          res.on('end', resolve);
          res.on('error', resolve);
        },
      );
      upstream.on('error', () => {
        if (!ctx.res.headersSent) {
          ctx.res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        }
        ctx.res.end('The dashboard is not running yet. Start everything with `npm start`.');
        resolve();
      });
      ctx.req.pipe(upstream);
    });
  };
}
