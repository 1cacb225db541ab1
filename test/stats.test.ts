import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './helpers.ts';

// GET /api/v1/stats — the seed's success metrics — against a real API, worker, PostgreSQL and Temporal.

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true });
});
afterAll(async () => {
  await api?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function integration(settings: Record<string, unknown> = {}) {
  const { apiKey: key, tenantId } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox', settings } });
  expect(created.status).toBe(201);
  return { key, tenantId, id: created.body.data.id as string };
}

async function event(key: string, eventId: string) {
  return (await api.request('GET', `/api/v1/webhook-events/${eventId}`, { key })).body.data as { status: string; attempts: number };
}

async function webhookRate(key: string) {
  const res = await api.request('GET', '/api/v1/stats', { key });
  expect(res.status).toBe(200);
  return res.body.data.webhookSuccessRate as { value: number | null; numerator: number; denominator: number };
}

describe('webhook processing success (issue #14 item 6: forwarding counts fairly)', () => {
  let receiver: Server;
  let base: string;
  /** Per path: how many requests it got; `/flaky` answers 500 twice then 200, `/down` always 503. */
  const hits: Record<string, number> = {};
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '/';
        hits[path] = (hits[path] ?? 0) + 1;
        const status = path === '/down' ? 503 : path === '/flaky' && hits[path]! <= 2 ? 500 : 200;
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  });
  afterAll(() => receiver.close());

  async function forwarding(path: string) {
    const it = await integration({ forwardUrl: `${base}${path}` });
    await api.request('POST', `/api/v1/integrations/${it.id}/forwarding-secret`, { key: it.key });
    const sent = await api.request('POST', `/api/v1/integrations/${it.id}/test-event`, { key: it.key });
    expect(sent.status).toBe(202);
    return { ...it, eventId: sent.body.data.eventId as string };
  }

  it('does not count a forward that fails then succeeds as a failure while it is retried, and counts it a success once delivered', async () => {
    const { key, eventId } = await forwarding('/flaky');
    // After the first (failed) attempt, and while the retry is pending: no failure counted.
    while (!hits['/flaky']) await sleep(50);
    const pending = await event(key, eventId);
    expect(pending.status).toBe('pending');
    expect(await webhookRate(key)).toMatchObject({ value: null, numerator: 0, denominator: 0 });
    for (let i = 0; i < 120 && (await event(key, eventId)).status === 'pending'; i++) {
      expect((await webhookRate(key)).denominator).toBe(0);
      await sleep(250);
    }
    expect(await event(key, eventId)).toMatchObject({ status: 'processed', attempts: 3 });
    expect(await webhookRate(key)).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
  }, 60_000);

  it('counts a forward that always fails as a failure only after its last attempt', async () => {
    const { key, eventId } = await forwarding('/down');
    let sawRetrying = false;
    for (let i = 0; i < 240; i++) {
      const e = await event(key, eventId);
      const rate = await webhookRate(key);
      if (e.status !== 'pending') break;
      if (e.attempts >= 1) sawRetrying = true;
      // Still to be retried: not a failure.
      expect(rate).toMatchObject({ numerator: 0, denominator: 0 });
      await sleep(250);
    }
    expect(sawRetrying).toBe(true);
    const done = await event(key, eventId);
    expect(done).toMatchObject({ status: 'failed', attempts: 6 });
    expect(hits['/down']).toBe(6);
    expect(await webhookRate(key)).toMatchObject({ value: 0, numerator: 0, denominator: 1 });
  }, 90_000);
});
