import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantUptime } from '../db/repositories/uptime.repository.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';

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

const DAY = 24 * 3600_000;

/** Replaces an integration's recorded status history with `history` (status, ms relative to `base`). */
async function setHistory(integrationId: string, base: number, history: [string, number][]) {
  const db = api.deps.orm.em.getConnection();
  await db.execute('delete from integration_status_change where integration_id = ?', [integrationId]);
  for (const [status, at] of history)
    await db.execute('insert into integration_status_change (integration_id, status, changed_at) values (?, ?, ?)', [
      integrationId,
      status,
      new Date(base + at),
    ]);
}

async function statusRows(integrationId: string) {
  return api.deps.orm.em
    .getConnection()
    .execute<{ status: string; at: number }[]>(
      'select status, extract(epoch from changed_at)::float8 as at from integration_status_change where integration_id = ? order by changed_at, id',
      [integrationId],
    );
}

async function sandboxIntegration(key: string, name: string) {
  // One integration per provider and tenant: the custom-provider-free way to get several is several providers.
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: name } });
  expect(created.status).toBe(201);
  return created.body.data.id as string;
}

describe('time-weighted integration uptime (issue #14 item 5)', () => {
  it('computes exact percentages per integration and across the tenant from constructed histories', async () => {
    const { apiKey: key, tenantId } = await api.newTenant();
    const [a, b, c, d] = await Promise.all(['sandbox', 'github', 'slack', 'linear'].map((p) => sandboxIntegration(key, p)));
    const other = await integration(); // another tenant's: never counted here
    const now = new Date('2026-11-30T12:00:00Z').getTime();
    // a: active 20 d, error 3 d, active 7 d within the window → 27/30.
    await setHistory(a!, now, [
      ['pending', -40 * DAY],
      ['active', -35 * DAY],
      ['error', -10 * DAY],
      ['active', -7 * DAY],
    ]);
    // b: active 10 d, then disconnected (not downtime) → 10/10.
    await setHistory(b!, now, [
      ['pending', -20 * DAY],
      ['active', -15 * DAY],
      ['disconnected', -5 * DAY],
    ]);
    // c: never connected: neither up nor down.
    await setHistory(c!, now, [['pending', -3 * DAY]]);
    // d: in error since before the window → 0/30.
    await setHistory(d!, now, [
      ['active', -60 * DAY],
      ['error', -45 * DAY],
    ]);
    await setHistory(other.id, now, [['error', -40 * DAY]]);

    const month = await tenantUptime(api.deps.orm.em.fork(), tenantId, { windowMs: 30 * DAY, now: new Date(now) });
    expect(month.byIntegration.get(a!)).toEqual({ healthySeconds: 27 * 86400, connectedSeconds: 30 * 86400 });
    expect(month.byIntegration.get(b!)).toEqual({ healthySeconds: 10 * 86400, connectedSeconds: 10 * 86400 });
    expect(month.byIntegration.get(c!) ?? { healthySeconds: 0, connectedSeconds: 0 }).toEqual({ healthySeconds: 0, connectedSeconds: 0 });
    expect(month.byIntegration.get(d!)).toEqual({ healthySeconds: 0, connectedSeconds: 30 * 86400 });
    expect(month.byIntegration.has(other.id)).toBe(false);
    expect(month).toMatchObject({ healthySeconds: 37 * 86400, connectedSeconds: 70 * 86400, integrations: 3 });
    expect(month.healthySeconds / month.connectedSeconds).toBe(37 / 70); // 52.857 %

    // 7 days: a active 7/7, b active 2 of its last days then disconnected, d error 7/7 → 9/16.
    const week = await tenantUptime(api.deps.orm.em.fork(), tenantId, { windowMs: 7 * DAY, now: new Date(now) });
    expect(week).toMatchObject({ healthySeconds: 9 * 86400, connectedSeconds: 16 * 86400, integrations: 3 });
    expect(week.healthySeconds / week.connectedSeconds).toBe(0.5625);
    // A window that ends before any history: nothing known.
    const before = await tenantUptime(api.deps.orm.em.fork(), tenantId, { windowMs: DAY, now: new Date(now - 70 * DAY) });
    expect(before).toMatchObject({ healthySeconds: 0, connectedSeconds: 0, integrations: 0 });
  });

  it('serves the tenant figure in GET /api/v1/stats and each integration’s in GET /api/v1/integrations/:id, over ?window=', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = await sandboxIntegration(key, 'sandbox');
    const now = Date.now();
    // Closed history (disconnected 4 days ago), so the figures do not move while the test runs:
    // 30 d: active 10 d, error 1 d → 10/11. 7 d: active 2 d, error 1 d → 2/3.
    await setHistory(id, now, [
      ['pending', -16 * DAY],
      ['active', -15 * DAY],
      ['error', -5 * DAY],
      ['disconnected', -4 * DAY],
    ]);
    const stats = (await api.request('GET', '/api/v1/stats', { key })).body.data.integrationUptime;
    expect(stats).toMatchObject({ window: '30d', target: 0.95, unit: 'seconds', integrations: 1, numerator: 10 * 86400, denominator: 11 * 86400 });
    expect(stats.value).toBeCloseTo(10 / 11, 12);
    const one = (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.uptime;
    expect(one).toMatchObject({ window: '30d', healthySeconds: 10 * 86400, connectedSeconds: 11 * 86400 });
    expect(one.value).toBeCloseTo(10 / 11, 12);
    // 7 days: the window's start moves with the clock, so the active span is 2 d plus the ms the test took.
    const week = (await api.request('GET', '/api/v1/stats?window=7d', { key })).body.data.integrationUptime;
    expect(week.window).toBe('7d');
    expect(week.value).toBeCloseTo(2 / 3, 5);
    const oneWeek = (await api.request('GET', `/api/v1/integrations/${id}?window=168h`, { key })).body.data.uptime;
    expect(oneWeek.value).toBeCloseTo(2 / 3, 5);
    expect(oneWeek.window).toBe('168h');
    // Bounded and validated.
    for (const bad of ['91d', '0d', '30', 'abc', '1w']) {
      const res = await api.request('GET', `/api/v1/stats?window=${bad}`, { key });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api.request('GET', `/api/v1/integrations/${id}?window=100d`, { key })).status).toBe(400);
    expect((await api.request('GET', '/api/v1/stats?window=90d', { key })).status).toBe(200);
  });

  it('records every status transition of a real connect, revocation, reconnect and disconnect, and weighs them by time', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = await sandboxIntegration(key, 'sandbox');
    const connect = async () => {
      const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
      expect(started.status).toBe(201);
      expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    };
    await connect();
    await sleep(300);
    await api.deps.sandbox!.control.revokeAllGrants();
    expect((await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key })).status).toBe(409);
    await sleep(300);
    await connect();
    await sleep(300);
    expect((await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key })).status).toBeLessThan(300);
    for (let i = 0; i < 40 && (await statusRows(id)).at(-1)?.status !== 'disconnected'; i++) await sleep(250);

    const rows = await statusRows(id);
    expect(rows.map((r) => r.status)).toEqual(['pending', 'active', 'error', 'active', 'disconnected']);
    const span = (i: number) => rows[i + 1]!.at - rows[i]!.at;
    const healthy = span(1) + span(3);
    const connected = healthy + span(2);
    const one = (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.uptime;
    expect(one.healthySeconds).toBeCloseTo(healthy, 3);
    expect(one.connectedSeconds).toBeCloseTo(connected, 3);
    expect(one.value).toBeGreaterThan(0);
    expect(one.value).toBeLessThan(1);
    const stats = (await api.request('GET', '/api/v1/stats', { key })).body.data.integrationUptime;
    expect(stats).toMatchObject({ integrations: 1 });
    expect(stats.value).toBeCloseTo(healthy / connected, 6);
  }, 90_000);
});
