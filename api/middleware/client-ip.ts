import { BlockList, isIP } from 'node:net';
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

/** The trusted proxies: single addresses and CIDR ranges (a compose network's, whose containers change address). */
export interface TrustedProxies {
  has(ip: string): boolean;
}

export function trustedProxies(env: Pick<Env, 'PLUGBOARD_TRUSTED_PROXIES' | 'NODE_ENV'>): TrustedProxies {
  const list = new BlockList();
  for (const entry of env.PLUGBOARD_TRUSTED_PROXIES ?? (env.NODE_ENV === 'development' ? LOOPBACK : [])) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const ip = normalizeIp(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return { has: (ip) => isIP(ip) !== 0 && list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4') };
}

export function clientAddress(peer: string, forwardedFor: string, trusted: TrustedProxies): string {
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

export function clientIp(options: { trusted: TrustedProxies }): Middleware {
  return async function clientIpMiddleware(ctx, next) {
    ctx.request.ip = clientAddress(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for'), options.trusted);
    await next();
  };
}
