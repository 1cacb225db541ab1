import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CENSOR, CIRCULAR, createLogger, scrub, TRUNCATED } from './logger.ts';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('log redaction (REQ-19)', () => {
  it('replaces secret keys at any depth and in any case, and keeps everything else', async () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { Authorization: 'Bearer at-123', 'x-hub-signature-256': 'sha256=abc', accept: 'json' },
        deep: { a: { b: { c: { d: { refresh_token: 'rt-456', kept: 1 } } } } },
        list: [{ clientSecret: 'cs-789' }, 'plain'],
        requestId: 'req-1',
        secrets: { webhookSecret: 'whsec_x' },
      },
      'request',
    );
    await flush();
    const line = lines[0]!;
    expect(line.headers).toEqual({ Authorization: CENSOR, 'x-hub-signature-256': CENSOR, accept: 'json' });
    expect(line.deep.a.b.c.d).toEqual({ refresh_token: CENSOR, kept: 1 });
    expect(line.list).toEqual([{ clientSecret: CENSOR }, 'plain']);
    expect(line.secrets).toBe(CENSOR);
    expect(line.requestId).toBe('req-1');
    expect(JSON.stringify(line)).not.toMatch(/at-123|rt-456|cs-789|whsec_x|sha256=abc/);
  });

  it('scrubs an error’s own properties and its cause, and keeps type, message and stack', async () => {
    const { lines, logger } = capture();
    const cause = Object.assign(new Error('upstream said no'), { body: { access_token: 'leaked-in-cause' } });
    const error = Object.assign(new TypeError('token exchange failed', { cause }), { response: { headers: { 'set-cookie': 'sid=secret-cookie' } } });
    logger.error({ err: error, other: new Error('second', { cause: { code: 'auth-code-1' } }) }, 'failed');
    await flush();
    const line = lines[0]!;
    expect(line.err.type).toBe('TypeError');
    expect(line.err.message).toContain('token exchange failed');
    expect(line.err.stack).toContain('TypeError');
    expect(JSON.stringify(line)).not.toMatch(/leaked-in-cause|secret-cookie|auth-code-1/);
    expect(line.err.response.headers['set-cookie']).toBe(CENSOR);
  });

  it('never changes the object it was given, and returns it as is when there is nothing to hide', () => {
    const input = { headers: { authorization: 'Bearer x' }, n: 1 };
    const out = scrub(input) as typeof input;
    expect(input.headers.authorization).toBe('Bearer x');
    expect(out.headers.authorization).toBe(CENSOR);
    const clean = { requestId: 'r', method: 'POST', path: '/webhooks/sandbox/int_1', status: 200 };
    expect(scrub(clean)).toBe(clean);
  });
});

describe('log redaction in child bindings', () => {
  it('scrubs what a child logger binds', async () => {
    const { lines, logger } = capture();
    logger.child({ integrationId: 'int_1', token: 'bound-secret' }).info('hello');
    await flush();
    expect(lines[0]!.integrationId).toBe('int_1');
    expect(lines[0]!.token).toBe(CENSOR);
  });
});

describe('log redaction in grandchild bindings', () => {
  it('scrubs bindings at every level', async () => {
    const { lines, logger } = capture();
    logger.child({ a: 1 }).child({ apiKey: 'pbk_secret' }).info('hi');
    await flush();
    expect(lines[0]!.apiKey).toBe(CENSOR);
    expect(lines[0]!.a).toBe(1);
  });
});

describe('log redaction beyond the depth limit and in cycles (REQ-19)', () => {
  it('replaces a subtree deeper than the limit instead of passing it on unscrubbed', async () => {
    const { lines, logger } = capture();
    // A secret key at depth 10: l1 … l9, then { access_token }.
    let deep: Record<string, unknown> = { access_token: 'depth-ten-secret', note: 'kept only if scrubbed' };
    for (let i = 9; i >= 1; i--) deep = { [`l${i}`]: deep };
    logger.info({ deep }, 'deep');
    await flush();
    const line = lines[0]!;
    expect(JSON.stringify(line)).not.toContain('depth-ten-secret');
    expect(line.deep.l1.l2.l3.l4.l5.l6.l7.l8).toBe(TRUNCATED);
  });

  it('marks an object that contains itself, scrubbing everything before the cycle, and leaves shared objects alone', async () => {
    const { lines, logger } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop', token: 'cyclic-secret' };
    cyclic.self = cyclic;
    const list: unknown[] = [{ refresh_token: 'in-a-list' }];
    list.push(list);
    const shared = { plain: 1 };
    logger.info({ cyclic: { inner: cyclic }, list, a: shared, b: shared }, 'cycles');
    await flush();
    const line = lines[0]!;
    expect(line.cyclic.inner).toEqual({ name: 'loop', token: CENSOR, self: CIRCULAR });
    expect(line.list).toEqual([{ refresh_token: CENSOR }, CIRCULAR]);
    expect(line.a).toEqual({ plain: 1 });
    expect(line.b).toEqual({ plain: 1 });
    expect(JSON.stringify(line)).not.toMatch(/cyclic-secret|in-a-list/);
  });
});
