import { afterEach, describe, expect, it } from 'vitest';
import { slackProvider } from '../../providers/slack.provider.ts';
import { slackSync } from '../../providers/sync/slack.sync.ts';
import { ProviderHttpError } from '../../providers/types.ts';
import { contextFor, decodeToken, encodeToken, idsOf, startFake, type Fake, type FakeReply, type FakeRequest } from './harness.ts';

const PAGE = 2;

interface Channel {
  id: string;
  name: string;
  is_channel: true;
  is_archived: boolean;
  created: number;
  updated: number;
  topic: { value: string };
}

/** conversations.list: cursor paging, `exclude_archived`, and errors as HTTP 200 `ok:false`. */
class FakeSlack {
  clock = Date.UTC(2025, 0, 1);
  error: string | undefined;
  channels = new Map<string, Channel>();

  put(id: string, name: string) {
    this.clock += 1000;
    const existing = this.channels.get(id);
    this.channels.set(id, {
      id,
      name,
      is_channel: true,
      is_archived: false,
      created: existing?.created ?? this.clock / 1000,
      updated: this.clock,
      topic: { value: `About ${name}` },
    });
  }
  archive(id: string) {
    this.clock += 1000;
    Object.assign(this.channels.get(id)!, { is_archived: true, updated: this.clock });
  }

  handle = (req: FakeRequest): FakeReply | undefined => {
    if (req.method !== 'GET' || req.path !== '/api/conversations.list') return undefined;
    if (this.error) return { body: { ok: false, error: this.error } };
    const q = req.query;
    const offset = q.get('cursor') ? decodeToken<number>(q.get('cursor')) : 0;
    if (offset === undefined) return { body: { ok: false, error: 'invalid_cursor' } };
    const all = [...this.channels.values()].filter((c) => q.get('exclude_archived') !== 'true' || !c.is_archived).sort((a, b) => a.id.localeCompare(b.id));
    const size = Math.min(Number(q.get('limit') ?? 100), 1000, PAGE);
    const more = offset + size < all.length;
    return { body: { ok: true, channels: all.slice(offset, offset + size), response_metadata: { next_cursor: more ? encodeToken(offset + size) : '' } } };
  };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function seeded() {
  const slack = new FakeSlack();
  for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) slack.put(id, `channel-${id.toLowerCase()}`);
  slack.archive('C5');
  fake = await startFake(slackProvider, slack.handle);
  return { slack, fake, run: (state: Record<string, unknown> | null) => slackSync.run(contextFor(fake!.base, state)) };
}

describe('slack sync hook', () => {
  it('is wired into the provider; apiBaseUrl already ends in /api, so the hook calls /conversations.list', () => {
    expect(slackProvider.sync).toBe(slackSync);
    expect(slackSync.models).toEqual(['channel']);
    expect(slackProvider.apiBaseUrl + '/conversations.list').toBe('https://slack.com/api/conversations.list');
  });

  it('first sync: every unarchived channel over all cursor pages, as a full listing', async () => {
    const { fake, run } = await seeded();
    const result = await run(null);
    expect(idsOf(result.changes)).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(result.changes.find((c) => c.externalId === 'C2')).toMatchObject({
      model: 'channel',
      data: { name: 'channel-c2' },
      updatedAt: new Date(Date.UTC(2025, 0, 1) + 2000).toISOString(),
    });
    expect(result.changes.some((c) => c.deleted)).toBe(false);
    expect(result.fullModels).toEqual(['channel']);
    expect(result.state).toEqual({});
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]?.query.has('cursor')).toBe(false);
    expect(fake.requests[1]?.query.get('cursor')).toBeTruthy();
    expect(fake.requests.every((r) => r.query.get('limit') === '200' && r.query.get('exclude_archived') === 'true')).toBe(true);
  });

  it('later runs list everything again: changes show in the data, deleted and archived channels are absent from a full model', async () => {
    const { slack, fake, run } = await seeded();
    const first = await run(null);
    slack.put('C1', 'renamed');
    slack.channels.delete('C2');
    slack.archive('C3');
    slack.put('C6', 'brand-new');
    const before = fake.requests.length;
    // Any state, stale or not, gives the same complete listing: conversations.list has no cursor across runs.
    for (const state of [first.state, { bogus: 'cursor' }]) {
      const again = await run(state);
      expect(idsOf(again.changes)).toEqual(['C1', 'C4', 'C6']);
      expect(again.changes.find((c) => c.externalId === 'C1')?.data.name).toBe('renamed');
      expect(again.fullModels).toEqual(['channel']);
      expect(again.state).toEqual({});
    }
    expect(fake.requests.length - before).toBe(4);
  });

  it('ok:false answers (HTTP 200) become ProviderHttpErrors with a matching status', async () => {
    const { slack, run } = await seeded();
    for (const [error, status] of [
      ['invalid_auth', 401],
      ['token_revoked', 401],
      ['missing_scope', 403],
      ['ratelimited', 429],
      ['fatal_error', 502],
    ] as const) {
      slack.error = error;
      const thrown = await run(null).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(ProviderHttpError);
      expect(thrown).toMatchObject({ status, message: expect.stringContaining(error) });
    }
  });
});
