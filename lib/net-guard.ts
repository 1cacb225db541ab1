import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import type { OutboundAllowList } from './env.ts';

/**
 * The outbound guard (docs/security.md "Outbound requests"): every request to a URL a tenant can set — forwarding
 * targets, a custom provider's issuer and endpoints — goes through `guard.fetch`. Its dispatcher resolves the host
 * once per connection, checks every answer and connects only to those checked answers, so a DNS answer that changes
 * between a check and the connection (DNS rebinding) cannot reach our network. Private, loopback, link-local,
 * multicast, reserved and IPv4-embedding IPv6 ranges are refused unless the operator allows them
 * (PLUGBOARD_OUTBOUND_ALLOW). Messages name the host, never the address it resolved to.
 */

const BLOCKED_IPV4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];
const BLOCKED_IPV6: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765)
  ['64:ff9b::', 96], // NAT64 (RFC 6052): reaches any IPv4 address through the translator
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo (2001::/32) among them
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of BLOCKED_IPV4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_IPV6) blocked.addSubnet(net, prefix, 'ipv6');
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is refused whatever it embeds: no DNS answer is one. Kept apart because a
// BlockList also matches plain IPv4 addresses against an ::ffff:0:0/96 rule.
const mapped = new BlockList();
mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Whether an IP address lies in a range the guard refuses by default. Anything that is not an IP address is refused too. */
export function isBlockedAddress(address: string): boolean {
  const version = isIP(address);
  if (!version) return true;
  return blocked.check(address, familyOf(address)) || (version === 6 && mapped.check(address, 'ipv6'));
}

export class OutboundBlockedError extends Error {
  readonly host: string;
  /** `unresolvable` may be a passing DNS failure; `blocked` is final. */
  readonly reason: 'blocked' | 'unresolvable';
  constructor(host: string, reason: 'blocked' | 'unresolvable' = 'blocked') {
    super(
      reason === 'unresolvable'
        ? `the host ${host} cannot be resolved`
        : `the host ${host} resolves to an address that is not allowed (private, loopback, link-local or reserved)`,
    );
    this.name = 'OutboundBlockedError';
    this.host = host;
    this.reason = reason;
  }
}

/** Why a forwarding target is refused before any connection (http or https only; https in production, REQ-20). */
export function forwardUrlProblem(url: string, options: { production: boolean }): string | undefined {
  const protocol = URL.parse(url)?.protocol;
  if (protocol !== 'https:' && protocol !== 'http:') return 'forwardUrl must be an http or https URL';
  if (options.production && protocol !== 'https:') return 'forwardUrl must be an https URL in production (REQ-20)';
  return undefined;
}

/** The OutboundBlockedError behind a failed `fetch` (undici wraps connector errors as `TypeError('fetch failed', { cause })`). */
export function outboundBlockedCause(error: unknown): OutboundBlockedError | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof OutboundBlockedError) return e;
  return undefined;
}

export type ResolveHost = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The system resolver (getaddrinfo), as an unguarded connection would use it. */
export const systemResolve: ResolveHost = (hostname) => dns.promises.lookup(hostname, { all: true, order: 'verbatim' });

export interface OutboundGuard {
  /** `fetch` through the guarded dispatcher: every connection, redirect hops included, goes to a checked address. */
  fetch: typeof fetch;
  /**
   * A POST through the same guarded dispatcher, on undici's `request` instead of `fetch`: no WHATWG Request,
   * Response or stream objects per call (forwarding sends one per event, and in a flood those were a tenth of the
   * worker's busy CPU). Redirects are not followed; at most `keepBytes` of the answer are read (0: none), the rest
   * is dropped. Fails like `fetch` does: an OutboundBlockedError (possibly as a cause), a `TimeoutError` after
   * `timeoutMs`, or a connection error.
   */
  post(url: string, init: { headers: Record<string, string>; body: string; timeoutMs: number; keepBytes?: number }): Promise<OutboundAnswer>;
  /** Resolves the URL's host and refuses it like a connection would: for a clear error when a URL is set. */
  check(url: string | URL): Promise<void>;
  /** The checked addresses of a host name, as a connection would get them. */
  resolve(hostname: string): Promise<{ address: string; family: number }[]>;
}

/** What `OutboundGuard.post` keeps of an answer. */
export interface OutboundAnswer {
  status: number;
  /** The `Retry-After` header as sent, if any. */
  retryAfter: string | undefined;
  /** The first `keepBytes` of the body as UTF-8; null when none were asked for or the body was empty. */
  excerpt: string | null;
}

/** Reads at most `max` bytes of an answer's body and drops the rest (a body cut short keeps what came). */
async function readUpTo(body: AsyncIterable<Buffer> & { destroy(): unknown; dump(): Promise<void> }, max: number): Promise<string | null> {
  if (max <= 0) {
    await body.dump().catch(() => undefined);
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    // a body cut short: keep what came
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, max).toString('utf8');
  return text.length ? text : null;
}

export function createOutboundGuard(options: { allow?: OutboundAllowList; resolve?: ResolveHost } = {}): OutboundGuard {
  const allowed = new BlockList();
  for (const c of options.allow?.cidrs ?? []) allowed.addSubnet(c.address, c.prefix, c.family);
  const allowedHosts = new Set(options.allow?.hosts ?? []);
  const resolveHost = options.resolve ?? systemResolve;

  const addressAllowed = (address: string) => isIP(address) !== 0 && (allowed.check(address, familyOf(address)) || !isBlockedAddress(address));

  /** One resolution per connection: every answer is checked, and only those answers are handed to the socket. */
  async function resolve(hostname: string): Promise<{ address: string; family: number }[]> {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (isIP(host)) {
      if (!addressAllowed(host)) throw new OutboundBlockedError(host);
      return [{ address: host, family: isIP(host) }];
    }
    const name = host.replace(/\.$/, '');
    let answers: { address: string; family: number }[];
    try {
      answers = await resolveHost(name);
    } catch {
      throw new OutboundBlockedError(name, 'unresolvable');
    }
    if (!answers.length) throw new OutboundBlockedError(name, 'unresolvable');
    // A name the operator allowed may resolve anywhere; any other name must resolve only to allowed addresses
    // (one internal answer among public ones is refused, not skipped: the answer set is the attacker's to choose).
    if (!allowedHosts.has(name) && !answers.every((a) => addressAllowed(a.address))) throw new OutboundBlockedError(name);
    return answers.map((a) => ({ address: a.address, family: isIP(a.address) }));
  }

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (answers) => {
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : Number(lookupOptions.family ?? 0);
        const usable = family ? answers.filter((a) => a.family === family) : answers;
        if (!usable.length) return callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (lookupOptions.all) return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };

  const connectVia = buildConnector({ lookup, timeout: 10_000 });
  const dispatcher = new Agent({
    // net.connect skips `lookup` for IP literals: those are checked here.
    connect: (connectOptions, callback) => {
      const literal = connectOptions.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !addressAllowed(literal)) return callback(new OutboundBlockedError(literal), null);
      connectVia(connectOptions, callback);
    },
  });

  return {
    resolve,
    async check(url) {
      await resolve(new URL(url).hostname);
    },
    // Node's fetch takes an undici dispatcher (same major as the bundled undici, see package.json).
    fetch: (input, init) => fetch(input, { ...init, dispatcher } as RequestInit),
    async post(url, init) {
      const answer = await request(url, {
        dispatcher,
        method: 'POST',
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(init.timeoutMs),
      });
      const retryAfter = answer.headers['retry-after'];
      const excerpt = await readUpTo(answer.body, init.keepBytes ?? 0);
      return { status: answer.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, excerpt };
    },
  };
}
