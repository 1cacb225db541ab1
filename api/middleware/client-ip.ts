import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { Env } from '../../lib/env.ts';

/**
 * The client's address (ctx.ip) for rate limits, audit entries and sessions. The API runs with Koa `proxy: false`:
 * X-Forwarded-For is believed only when the socket peer is a configured proxy (PLUGBOARD_TRUSTED_PROXIES; in
 * development, loopback — the dashboard `npm start` runs next to the API), never from an arbitrary client. The
 * header is read from the right: the first hop that is not itself a trusted proxy is the client. A malformed hop
 * ends the walk at the last address a trusted proxy vouched for.
 */
const LOOPBACK = ['127.0.0.1', '::1'];

export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

export function trustedProxies(env: Pick<Env, 'PLUGBOARD_TRUSTED_PROXIES' | 'NODE_ENV'>): ReadonlySet<string> {
  const configured = env.PLUGBOARD_TRUSTED_PROXIES;
  return new Set((configured ?? (env.NODE_ENV === 'development' ? LOOPBACK : [])).map(normalizeIp));
}

export function clientAddress(peer: string, forwardedFor: string, trusted: ReadonlySet<string>): string {
  let ip = normalizeIp(peer);
  if (!trusted.has(ip) || !forwardedFor) return ip;
  const hops = forwardedFor.split(',').map(normalizeIp);
  while (hops.length) {
    const hop = hops.pop()!;
    if (!isIP(hop)) break;
    ip = hop;
    if (!trusted.has(hop)) break;
  }
  return ip;
}

export function clientIp(options: { trusted: ReadonlySet<string> }): Middleware {
  return async function clientIpMiddleware(ctx, next) {
    ctx.request.ip = clientAddress(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for'), options.trusted);
    await next();
  };
}
