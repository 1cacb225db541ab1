import { afterEach, describe, expect, it } from 'vitest';
import { googleCalendarProvider } from '../../providers/google-calendar.provider.ts';
import { googleCalendarSync } from '../../providers/sync/google-calendar.sync.ts';
import { ProviderHttpError } from '../../providers/types.ts';
import { contextFor, decodeToken, encodeToken, idsOf, startFake, type Fake, type FakeReply, type FakeRequest } from './harness.ts';

const PAGE = 2;
const EVENTS = '/calendar/v3/calendars/primary/events';

interface Stored {
  event: Record<string, unknown> & { id: string; status: string };
  seq: number;
}

/** The primary calendar: every change has a sequence number; sync tokens remember one and expire with `expireTokens`. */
class FakeCalendar {
  seq = 0;
  /** Tokens from an older generation are expired. */
  generation = 0;
  failNext = 0;
  events = new Map<string, Stored>();

  private stamp() {
    this.seq++;
    return { updated: new Date(Date.UTC(2025, 0, 1, 0, 0, this.seq)).toISOString(), etag: `"${this.seq}"` };
  }
  put(id: string, summary: string) {
    const { updated, etag } = this.stamp();
    this.events.set(id, {
      event: {
        kind: 'calendar#event',
        etag,
        id,
        status: 'confirmed',
        summary,
        updated,
        start: { dateTime: '2025-02-01T10:00:00Z' },
        end: { dateTime: '2025-02-01T11:00:00Z' },
      },
      seq: this.seq,
    });
  }
  cancel(id: string) {
    const { updated, etag } = this.stamp();
    this.events.set(id, { event: { kind: 'calendar#event', etag, id, status: 'cancelled', updated }, seq: this.seq });
  }
  expireTokens() {
    this.generation++;
  }

  handle = (req: FakeRequest): FakeReply | undefined => {
    if (req.method !== 'GET' || req.path !== EVENTS) return undefined;
    if (this.failNext > 0) {
      this.failNext--;
      return { status: 503, body: { error: { code: 503 } }, headers: { 'retry-after': '7' } };
    }
    const q = req.query;
    const rawSync = q.get('syncToken');
    const sync = rawSync === null ? undefined : decodeToken<{ seq: number; gen: number }>(rawSync);
    if (rawSync !== null && (!sync || sync.gen !== this.generation)) {
      return {
        status: 410,
        body: { error: { code: 410, message: 'Sync token is no longer valid, a full sync is required.', errors: [{ reason: 'fullSyncRequired' }] } },
      };
    }
    // Documented: with a syncToken, deleted events are always returned and showDeleted=false is not allowed.
    if (sync && q.get('showDeleted') === 'false') return { status: 400, body: { error: { code: 400 } } };
    const page = decodeToken<{ offset: number; at: number }>(q.get('pageToken')) ?? { offset: 0, at: this.seq };
    const all = [...this.events.values()]
      .filter((s) => s.seq <= page.at && (sync ? s.seq > sync.seq : s.event.status !== 'cancelled' || q.get('showDeleted') === 'true'))
      .sort((a, b) => a.seq - b.seq);
    const size = Math.min(Number(q.get('maxResults') ?? 250), PAGE);
    const items = all.slice(page.offset, page.offset + size).map((s) => s.event);
    const more = page.offset + size < all.length;
    return {
      body: {
        kind: 'calendar#events',
        summary: 'me@example.com',
        items,
        ...(more
          ? { nextPageToken: encodeToken({ offset: page.offset + size, at: page.at }) }
          : { nextSyncToken: encodeToken({ seq: page.at, gen: this.generation }) }),
      },
    };
  };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function seeded() {
  const cal = new FakeCalendar();
  cal.put('e0', 'Gone before the first sync');
  cal.cancel('e0');
  for (const id of ['e1', 'e2', 'e3', 'e4', 'e5']) cal.put(id, `Event ${id}`);
  fake = await startFake(googleCalendarProvider, cal.handle);
  return { cal, fake, run: (state: Record<string, unknown> | null) => googleCalendarSync.run(contextFor(fake!.base, state)) };
}

describe('google-calendar sync hook', () => {
  it('is wired into the provider; apiBaseUrl + /calendars/primary/events is the documented path', () => {
    expect(googleCalendarProvider.sync).toBe(googleCalendarSync);
    expect(googleCalendarSync.models).toEqual(['event']);
    expect(googleCalendarProvider.apiBaseUrl + '/calendars/primary/events').toBe('https://www.googleapis.com/calendar/v3/calendars/primary/events');
  });

  it('first sync: every page of events, cancelled ones as deletions, and the nextSyncToken as state', async () => {
    const { fake, run } = await seeded();
    const result = await run(null);
    expect(idsOf(result.changes, false)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(idsOf(result.changes, true)).toEqual(['e0']);
    expect(result.changes.find((c) => c.externalId === 'e3')).toMatchObject({
      model: 'event',
      data: { summary: 'Event e3', status: 'confirmed' },
      updatedAt: '2025-01-01T00:00:05.000Z',
    });
    expect(result.fullModels).toEqual(['event']);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.every((r) => r.query.get('showDeleted') === 'true' && !r.query.has('syncToken'))).toBe(true);
    expect(typeof result.state.syncToken).toBe('string');
    expect(decodeToken<{ seq: number }>(result.state.syncToken as string)).toEqual({ seq: 7, gen: 0 });
  });

  it('second run with the syncToken: only changes, cancellations as deleted: true, a new token', async () => {
    const { cal, fake, run } = await seeded();
    const first = await run(null);
    cal.put('e1', 'Renamed');
    cal.put('e6', 'New event');
    cal.cancel('e2');
    const before = fake.requests.length;
    const second = await run(first.state);
    const requests = fake.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(requests.every((r) => r.query.get('syncToken') === first.state.syncToken)).toBe(true);
    expect(idsOf(second.changes, false)).toEqual(['e1', 'e6']);
    expect(idsOf(second.changes, true)).toEqual(['e2']);
    expect(second.changes).toHaveLength(3);
    expect(second.changes.find((c) => c.externalId === 'e1')?.data.summary).toBe('Renamed');
    expect(second.fullModels).toEqual([]);
    expect(second.state.syncToken).not.toBe(first.state.syncToken);

    const third = await run(second.state);
    expect(third.changes).toEqual([]);
    expect(third.fullModels).toEqual([]);
    cal.put('e3', 'Moved');
    const fourth = await run(third.state);
    expect(idsOf(fourth.changes)).toEqual(['e3']);
  });

  it('an expired syncToken (410 Gone) falls back to a full listing without it', async () => {
    const { cal, fake, run } = await seeded();
    const first = await run(null);
    cal.cancel('e4');
    cal.put('e6', 'New event');
    cal.expireTokens();
    const before = fake.requests.length;
    const resync = await run(first.state);
    const requests = fake.requests.slice(before);
    expect(requests[0]?.query.get('syncToken')).toBe(first.state.syncToken);
    expect(requests[0]?.status).toBe(410);
    expect(requests.slice(1).every((r) => !r.query.has('syncToken') && r.status === 200)).toBe(true);
    expect(requests.length).toBe(5);
    expect(idsOf(resync.changes, false)).toEqual(['e1', 'e2', 'e3', 'e5', 'e6']);
    expect(idsOf(resync.changes, true)).toEqual(['e0', 'e4']);
    expect(resync.fullModels).toEqual(['event']);
    const after = await run(resync.state);
    expect(after.changes).toEqual([]);
    expect(after.fullModels).toEqual([]);
  });

  it('other errors propagate with their Retry-After instead of forcing a resync', async () => {
    const { cal, run } = await seeded();
    const first = await run(null);
    cal.failNext = 1;
    const error = await run(first.state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 7 });
  });
});
