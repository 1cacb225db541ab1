import { afterEach, describe, expect, it } from 'vitest';
import { notionProvider } from '../../providers/notion.provider.ts';
import { NOTION_FULL_RESYNC_MS, notionSync } from '../../providers/sync/notion.sync.ts';
import { contextFor, decodeToken, encodeToken, idsOf, startFake, type Fake, type FakeReply, type FakeRequest } from './harness.ts';

const PAGE = 2;
const SEARCH = '/v1/search';

interface Obj {
  object: 'page' | 'database';
  id: string;
  last_edited_time: string;
  archived: boolean;
  in_trash: boolean;
  properties: Record<string, unknown>;
}

/** A workspace whose clock moves in minutes, as Notion rounds last_edited_time to the minute. */
class FakeNotion {
  minute = 0;
  objects = new Map<string, Obj>();

  now() {
    return new Date(Date.UTC(2025, 0, 1, 0, this.minute)).toISOString();
  }
  tick() {
    this.minute++;
  }
  put(id: string, title: string, object: Obj['object'] = 'page') {
    this.objects.set(id, {
      object,
      id,
      last_edited_time: this.now(),
      archived: false,
      in_trash: false,
      properties: { title: { type: 'title', title: [{ plain_text: title }] } },
    });
  }
  /** Notion-Version 2022-06-28 reports `archived`; newer versions `in_trash`. */
  archive(id: string, flag: 'archived' | 'in_trash' = 'archived') {
    const o = this.objects.get(id)!;
    Object.assign(o, { [flag]: true, last_edited_time: this.now() });
  }

  handle = (req: FakeRequest): FakeReply | undefined => {
    if (req.method !== 'POST' || req.path !== SEARCH) return undefined;
    const body = req.body ?? {};
    const bad = (message: string) => ({ status: 400, body: { object: 'error', status: 400, code: 'validation_error', message } });
    if (body.filter && (body.filter.property !== 'object' || !['page', 'database'].includes(body.filter.value))) return bad('filter');
    if (body.sort && (body.sort.timestamp !== 'last_edited_time' || !['ascending', 'descending'].includes(body.sort.direction))) return bad('sort');
    if (body.page_size !== undefined && (body.page_size < 1 || body.page_size > 100)) return bad('page_size');
    const offset = body.start_cursor === undefined ? 0 : decodeToken<number>(body.start_cursor);
    if (offset === undefined) return bad('start_cursor');
    const sign = body.sort?.direction === 'ascending' ? 1 : -1;
    const all = [...this.objects.values()]
      .filter((o) => !body.filter || o.object === body.filter.value)
      .sort((a, b) => sign * (a.last_edited_time.localeCompare(b.last_edited_time) || a.id.localeCompare(b.id)));
    const size = Math.min(body.page_size ?? 100, PAGE);
    const more = offset + size < all.length;
    return {
      body: {
        object: 'list',
        results: all.slice(offset, offset + size),
        next_cursor: more ? encodeToken(offset + size) : null,
        has_more: more,
        type: 'page_or_database',
        page_or_database: {},
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
  const notion = new FakeNotion();
  for (let i = 1; i <= 8; i++) {
    notion.tick();
    notion.put(`p${i}`, `Page ${i}`);
    if (i === 3) notion.put('db1', 'A database', 'database');
  }
  fake = await startFake(notionProvider, notion.handle);
  return { notion, fake, run: (state: Record<string, unknown> | null) => notionSync.run(contextFor(fake!.base, state)) };
}

const minute = (m: number) => new Date(Date.UTC(2025, 0, 1, 0, m)).toISOString();

describe('notion sync hook', () => {
  it('is wired into the provider; apiBaseUrl already ends in /v1, so the hook posts to /search', () => {
    expect(notionProvider.sync).toBe(notionSync);
    expect(notionSync.models).toEqual(['page']);
    expect(notionProvider.apiBaseUrl + '/search').toBe('https://api.notion.com/v1/search');
  });

  it('first sync: every page over all search pages (no databases), the newest last_edited_time as cursor', async () => {
    const { fake, run } = await seeded();
    const startedAt = Date.now();
    const result = await run(null);
    expect(idsOf(result.changes)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    expect(result.changes.every((c) => c.model === 'page' && !c.deleted)).toBe(true);
    expect(result.changes.find((c) => c.externalId === 'p4')).toMatchObject({
      updatedAt: minute(4),
      data: { object: 'page', properties: { title: { title: [{ plain_text: 'Page 4' }] } } },
    });
    expect(result.fullModels).toEqual(['page']);
    expect(result.state.lastEditedSince).toBe(minute(8));
    expect(Date.parse(result.state.fullSyncedAt as string)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(result.state.fullSyncedAt as string)).toBeLessThanOrEqual(Date.now());
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests[0]?.body).toMatchObject({ filter: { property: 'object', value: 'page' }, sort: { timestamp: 'last_edited_time' } });
    expect(fake.requests[0]?.body.start_cursor).toBeUndefined();
    expect(fake.requests[1]?.body.start_cursor).toBeTruthy();
  });

  it('second run: stops at the cursor, reports edits, archival as deleted: true, and catches same-minute edits', async () => {
    const { notion, fake, run } = await seeded();
    const first = await run(null);
    notion.tick();
    notion.put('p1', 'Page 1 edited');
    notion.tick();
    notion.archive('p2');
    notion.tick();
    notion.put('p9', 'Page 9');
    const before = fake.requests.length;
    const second = await run(first.state);
    // Three search pages ([p9,p2] [p1,p8] [p7,…]) instead of the five of a full listing.
    expect(fake.requests.length - before).toBe(3);
    expect(idsOf(second.changes, true)).toEqual(['p2']);
    expect(idsOf(second.changes, false)).toEqual(['p1', 'p8', 'p9']);
    // The only record beyond the changes is the one edited in the cursor's own minute (inclusive cursor).
    expect(second.changes.find((c) => c.externalId === 'p8')?.updatedAt).toBe(first.state.lastEditedSince);
    expect(second.changes.find((c) => c.externalId === 'p1')?.data.properties).toEqual({ title: { type: 'title', title: [{ plain_text: 'Page 1 edited' }] } });
    expect(second.fullModels).toEqual([]);
    expect(second.state).toEqual({ lastEditedSince: minute(11), fullSyncedAt: first.state.fullSyncedAt });

    // An edit within the cursor's minute gets the same (rounded) last_edited_time and must still be seen.
    notion.put('p3', 'Page 3 edited in the same minute');
    const third = await run(second.state);
    expect(idsOf(third.changes)).toEqual(['p3', 'p9']);
    expect(third.changes.find((c) => c.externalId === 'p3')?.data.properties).toEqual({
      title: { type: 'title', title: [{ plain_text: 'Page 3 edited in the same minute' }] },
    });
    expect(third.state).toEqual(second.state);
  });

  it('a stale state (full listing older than a day, or no usable cursor) means a full resync', async () => {
    const { notion, fake, run } = await seeded();
    const first = await run(null);
    notion.tick();
    notion.archive('p2', 'in_trash');
    const old = new Date(Date.now() - NOTION_FULL_RESYNC_MS - 60_000).toISOString();
    const before = fake.requests.length;
    const resync = await run({ ...first.state, fullSyncedAt: old });
    expect(fake.requests.length - before).toBe(4);
    expect(idsOf(resync.changes, false)).toEqual(['p1', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    expect(idsOf(resync.changes, true)).toEqual(['p2']);
    expect(resync.fullModels).toEqual(['page']);
    expect(resync.state.lastEditedSince).toBe(minute(9));
    expect(Date.parse(resync.state.fullSyncedAt as string)).toBeGreaterThan(Date.parse(old) + NOTION_FULL_RESYNC_MS);

    const garbage = await run({ lastEditedSince: 'not a date', fullSyncedAt: first.state.fullSyncedAt });
    expect(garbage.fullModels).toEqual(['page']);
    expect(garbage.changes).toHaveLength(8);
    const next = await run(resync.state);
    expect(next.fullModels).toEqual([]);
    expect(idsOf(next.changes)).toEqual(['p2']);
  });
});
