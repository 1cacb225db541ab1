import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, outboundAllowList } from './env.ts';
import { createOutboundGuard, forwardUrlProblem, isBlockedAddress, outboundBlockedCause, OutboundBlockedError, type ResolveHost } from './net-guard.ts';

/** Every error message in a cause chain, for "never names the address" checks. */
function messages(error: unknown): string {
  const out: string[] = [];
  for (let e = error; e; e = (e as { cause?: unknown }).cause) out.push(String((e as Error).message ?? e), String(e));
  return out.join('\n');
}

/** An HTTP server on one loopback address that counts the connections it accepts. */
async function listen(host: string, handler: Parameters<typeof createServer>[1] = (_q, r) => r.end(host)) {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A resolver that answers from a list per call (the last entry repeats) and counts its calls. */
function scriptedResolver(...answers: string[][]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const list = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const only127001 = outboundAllowList.parse('127.0.0.1/32');

describe('outbound guard: blocked ranges', () => {
  it('refuses private, loopback, link-local, multicast, reserved and IPv4-embedding IPv6 addresses', () => {
    const blocked = [
      ...['0.0.0.0', '0.1.2.3', '10.0.0.1', '100.64.0.1', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1', '172.31.255.255'],
      ...['192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.51.100.1', '203.0.113.1'],
      ...['224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255'],
      ...['::', '::1', '::127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:8.8.8.8', '::ffff:0:a00:1'],
      ...['64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::1', '2002:7f00:1::1', '2002:808:808::1', '2001:0:4136:e378::1', '100::1'],
      ...['fc00::1', 'fd12:3456::1', 'fe80::1', 'fec0::1', 'ff02::1', 'ff0e::1', '2001:db8::1', '3fff::1'],
      'not-an-address',
    ];
    for (const a of blocked) expect(isBlockedAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])
      expect(isBlockedAddress(a), a).toBe(false);
  });
});

describe('PLUGBOARD_OUTBOUND_ALLOW', () => {
  it('parses CIDRs, single addresses and host names', () => {
    const env = loadEnv({ PLUGBOARD_OUTBOUND_ALLOW: ' 127.0.0.0/8, ::1, [fd00::]/8 ,Hooks.Internal., 10.1.2.3 ' });
    expect(env.PLUGBOARD_OUTBOUND_ALLOW).toEqual({
      cidrs: [
        { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
        { address: '::1', prefix: 128, family: 'ipv6' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
        { address: '10.1.2.3', prefix: 32, family: 'ipv4' },
      ],
      hosts: ['hooks.internal'],
    });
    expect(loadEnv({}).PLUGBOARD_OUTBOUND_ALLOW).toEqual({ cidrs: [], hosts: [] });
  });

  it('refuses what is neither, naming the entry', () => {
    for (const bad of ['10.0.0.0/33', '::1/129', '1.2.3.4/8/1', 'not a host', 'host/8', '10.0.0.0/x'])
      expect(() => loadEnv({ PLUGBOARD_OUTBOUND_ALLOW: `127.0.0.1,${bad}` }), bad).toThrow(`"${bad}" is not a CIDR, an IP address or a host name`);
  });
});

describe('outbound guard: connections', () => {
  let benign: Awaited<ReturnType<typeof listen>>;
  let internal: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    benign = await listen('127.0.0.1');
    // Stands for a service on our network the tenant must not reach (Linux routes all of 127/8 to loopback).
    internal = await listen('127.0.0.2');
  });
  afterAll(() => Promise.all([benign, internal].map(({ server }) => new Promise((r) => (server.closeAllConnections(), server.close(r))))));

  it('connects to an allowed address and refuses a blocked literal before any connection', async () => {
    const guard = createOutboundGuard({ allow: only127001 });
    expect(await (await guard.fetch(`http://127.0.0.1:${benign.port}/`)).text()).toBe('127.0.0.1');
    const refused = await guard.fetch(`http://127.0.0.2:${internal.port}/`).catch((e: unknown) => e);
    expect(outboundBlockedCause(refused)).toBeInstanceOf(OutboundBlockedError);
    await expect(guard.fetch(`http://[::ffff:127.0.0.2]:${internal.port}/`)).rejects.toThrow();
    expect(internal.connections()).toBe(0);
  });

  it('DNS rebinding: a public answer at check time, a private one at connect time — the connection is refused (the connect-time answer is the one checked)', async () => {
    const resolve = scriptedResolver(['93.184.215.14'], ['127.0.0.2']);
    const guard = createOutboundGuard({ resolve });
    const url = `http://rebind.plugboard.test:${internal.port}/`;
    await expect(guard.check(url)).resolves.toBeUndefined(); // what a check-then-fetch guard would have relied on
    const error = await guard.fetch(url).catch((e: unknown) => e);
    expect(outboundBlockedCause(error)?.message).toBe(
      'the host rebind.plugboard.test resolves to an address that is not allowed (private, loopback, link-local or reserved)',
    );
    expect(resolve.calls).toEqual(['rebind.plugboard.test', 'rebind.plugboard.test']);
    expect(internal.connections()).toBe(0);
  });

  it('DNS rebinding: the connection goes to the very answer that was checked, never to a later one', async () => {
    const resolve = scriptedResolver(['127.0.0.1'], ['127.0.0.2']);
    const guard = createOutboundGuard({ allow: only127001, resolve });
    const response = await guard.fetch(`http://rebind.plugboard.test:${benign.port}/`);
    expect(await response.text()).toBe('127.0.0.1');
    expect(resolve.calls).toHaveLength(1);
    expect(internal.connections()).toBe(0);
  });

  it('refuses a host when any of its answers is blocked, and lets an allowed host name resolve anywhere', async () => {
    const mixed = createOutboundGuard({ resolve: scriptedResolver(['93.184.215.14', '127.0.0.2']) });
    await expect(mixed.check('https://mixed.plugboard.test/')).rejects.toThrow(OutboundBlockedError);
    const named = createOutboundGuard({ allow: outboundAllowList.parse('hooks.internal'), resolve: scriptedResolver(['127.0.0.2']) });
    expect(await (await named.fetch(`http://hooks.internal:${internal.port}/`)).text()).toBe('127.0.0.2');
    await expect(named.check('http://other.internal/')).rejects.toThrow('the host other.internal resolves to an address that is not allowed');
  });

  it('checks every redirect hop: a redirect to a blocked address is not followed', async () => {
    const redirector = await listen('127.0.0.1', (req, res) => {
      res.writeHead(302, { location: req.url === '/by-name' ? `http://inside.plugboard.test:${internal.port}/` : `http://127.0.0.2:${internal.port}/` });
      res.end();
    });
    const before = internal.connections();
    const guard = createOutboundGuard({ allow: only127001, resolve: scriptedResolver(['127.0.0.2']) });
    for (const path of ['/by-address', '/by-name']) {
      const error = await guard.fetch(`http://127.0.0.1:${redirector.port}${path}`).catch((e: unknown) => e);
      expect(outboundBlockedCause(error), path).toBeInstanceOf(OutboundBlockedError);
    }
    expect(internal.connections()).toBe(before);
    redirector.server.close();
  });

  it('post (the forwarding path): same checks as fetch, redirects not followed, Retry-After kept, the answer read only up to keepBytes, a timeout named', async () => {
    let bodies = 0;
    const receiver = await listen('127.0.0.1', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        bodies++;
        if (req.url === '/redirect') return res.writeHead(307, { location: `http://127.0.0.2:${internal.port}/` }).end();
        if (req.url === '/busy') return res.writeHead(503, { 'retry-after': '7' }).end('busy');
        if (req.url === '/slow') return; // never answers
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.headers['webhook-id']}:${body}:${'x'.repeat(5000)}`);
      });
    });
    const guard = createOutboundGuard({ allow: only127001, resolve: scriptedResolver(['127.0.0.2']) });
    const post = (path: string, init: { keepBytes?: number; timeoutMs?: number } = {}) =>
      guard.post(`http://127.0.0.1:${receiver.port}${path}`, { headers: { 'webhook-id': 'evt_1' }, body: '{"a":1}', timeoutMs: 5000, ...init });
    const before = internal.connections();

    expect(await post('/ok', { keepBytes: 16 })).toEqual({ status: 200, retryAfter: undefined, excerpt: 'evt_1:{"a":1}:xx' });
    expect(await post('/ok')).toEqual({ status: 200, retryAfter: undefined, excerpt: null });
    expect(await post('/busy', { keepBytes: 100 })).toEqual({ status: 503, retryAfter: '7', excerpt: 'busy' });
    expect((await post('/redirect')).status).toBe(307);
    const slow = await post('/slow', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect((slow as Error).name).toBe('TimeoutError');
    expect(bodies).toBe(5);

    const blocked = await guard.post(`http://127.0.0.2:${internal.port}/`, { headers: {}, body: '{}', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(outboundBlockedCause(blocked)).toBeInstanceOf(OutboundBlockedError);
    const byName = await guard.post(`http://inside.plugboard.test:${internal.port}/`, { headers: {}, body: '{}', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(outboundBlockedCause(byName)).toBeInstanceOf(OutboundBlockedError);
    expect(internal.connections()).toBe(before);
    receiver.server.closeAllConnections();
    receiver.server.close();
  });

  it('never names the resolved address in an error, only the host', async () => {
    const guard = createOutboundGuard({ resolve: scriptedResolver(['10.20.30.40', 'fd00::abcd']) });
    const checkError = await guard.check('https://intranet.plugboard.test/x').catch((e: unknown) => e);
    const fetchError = await guard.fetch('https://intranet.plugboard.test/x').catch((e: unknown) => e);
    for (const error of [checkError, fetchError]) {
      expect(messages(error)).toContain('intranet.plugboard.test');
      expect(messages(error)).not.toMatch(/10\.20\.30\.40|fd00::abcd/);
    }
    const unresolvable = createOutboundGuard({ resolve: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })) });
    await expect(unresolvable.check('https://nowhere.plugboard.test/')).rejects.toMatchObject({
      reason: 'unresolvable',
      message: 'the host nowhere.plugboard.test cannot be resolved',
    });
  });
});

describe('forwardUrl rules', () => {
  it('takes http(s) only, and https only in production', () => {
    expect(forwardUrlProblem('http://hooks.example/x', { production: false })).toBeUndefined();
    expect(forwardUrlProblem('https://hooks.example/x', { production: true })).toBeUndefined();
    expect(forwardUrlProblem('http://hooks.example/x', { production: true })).toMatch(/https/);
    expect(forwardUrlProblem('ftp://hooks.example/x', { production: false })).toMatch(/http or https/);
  });
});
