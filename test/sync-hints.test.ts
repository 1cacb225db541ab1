/**
 * A burst of Google Calendar push notifications (thin "something changed" hints) leads to exactly one
 * sync within seconds, through the real path: verified webhook → stored event → webhook workflow →
 * debounced sync workflow → the Calendar sync hook against a provider-shaped local Calendar API.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCredentials } from '../db/credentials.ts';
import { Integration, IntegrationLog, SyncRecord } from '../db/entities/index.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
let calendar: Server;
let listings = 0;
const events = [
  { kind: 'calendar#event', id: 'evt1', status: 'confirmed', summary: 'Standup', updated: '2026-11-20T09:00:00.000Z' },
  { kind: 'calendar#event', id: 'evt2', status: 'confirmed', summary: 'Review', updated: '2026-11-21T09:00:00.000Z' },
];

beforeAll(async () => {
  calendar = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (req.headers.authorization !== 'Bearer cal-access-token' || url.pathname !== '/calendar/v3/calendars/primary/events') {
      res.writeHead(401).end();
      return;
    }
    listings++;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kind: 'calendar#events', items: events, nextSyncToken: `sync-${listings}` }));
  });
  await new Promise<void>((r) => calendar.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(calendar.address() as { port: number }).port}/calendar/v3`;
  api = await startTestApi({ worker: true, env: { PLUGBOARD_GOOGLE_CALENDAR_API_BASE_URL: base } });
});
afterAll(async () => {
  await api?.close();
  calendar?.close();
});

describe('webhook change hints', () => {
  it('turns a burst of 8 Calendar notifications into exactly one sync; a sync message triggers none', async () => {
    const { apiKey: key } = await api.newTenant();
    const id = (
      await api.request('POST', '/api/v1/integrations', {
        key,
        body: { provider: 'google-calendar', secrets: { calendarChannelToken: 'channel-secret-token' } },
      })
    ).body.data.id as string;
    // A connected integration with a watch channel (what a watch call would have set up).
    const em = api.deps.orm.em.fork();
    const row = await em.findOneOrFail(Integration, { id });
    writeCredentials(api.deps.vault, row, {
      accessToken: 'cal-access-token',
      refreshToken: 'cal-refresh',
      expiresAt: Date.now() + 3600_000,
      issuedAt: Date.now(),
    });
    row.status = 'active';
    row.settings = { calendarChannel: { id: 'channel-1', resourceId: 'resource-1' } };
    await em.flush();

    const notify = (number: number, state = 'exists') =>
      fetch(`${api.url}/webhooks/google-calendar/${id}`, {
        method: 'POST',
        headers: {
          'x-goog-channel-id': 'channel-1',
          'x-goog-channel-token': 'channel-secret-token',
          'x-goog-resource-id': 'resource-1',
          'x-goog-resource-state': state,
          'x-goog-message-number': String(number),
          'x-goog-resource-uri': 'https://www.googleapis.com/calendar/v3/calendars/primary/events',
        },
      });
    expect((await notify(1, 'sync')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => notify(i + 2)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));

    const started = Date.now();
    await expect.poll(() => api.deps.orm.em.fork().count(IntegrationLog, { integrationId: id, kind: 'synced' }), { timeout: 15_000, interval: 250 }).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    await new Promise((r) => setTimeout(r, 4000));
    expect(await api.deps.orm.em.fork().count(IntegrationLog, { integrationId: id, kind: 'synced' })).toBe(1);
    expect(listings).toBe(1);
    const after = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect(after.lastSync).toBeInstanceOf(Date);
    expect(after.syncState).toEqual({ syncToken: 'sync-1' });
    expect(await api.deps.orm.em.fork().count(SyncRecord, { integrationId: id, model: 'event', deletedAt: null })).toBe(2);
  }, 60_000);
});
