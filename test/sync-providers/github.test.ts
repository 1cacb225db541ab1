import { afterEach, describe, expect, it } from 'vitest';
import { githubProvider } from '../../providers/github.provider.ts';
import { GITHUB_FULL_RESYNC_MS, githubSync } from '../../providers/sync/github.sync.ts';
import { ProviderHttpError } from '../../providers/types.ts';
import { contextFor, idsOf, startFake, type Fake, type FakeReply, type FakeRequest } from './harness.ts';

const PAGE = 2;

interface Thread {
  id: string;
  unread: boolean;
  reason: string;
  updated_at: string;
  last_read_at: string | null;
  subject: { title: string; url: string; latest_comment_url: string; type: string };
  repository: { id: number; full_name: string };
  url: string;
}

/** GET /notifications with `all`, `since` ("updated after"), `page`/`per_page` (at most 50), newest first. */
class FakeGitHub {
  second = 0;
  failNext = 0;
  threads = new Map<string, Thread>();

  now() {
    return new Date(Date.UTC(2025, 0, 1, 0, 0, this.second)).toISOString().replace('.000Z', 'Z');
  }
  tick() {
    this.second++;
  }
  notify(id: string, title: string) {
    this.threads.set(id, {
      id,
      unread: true,
      reason: 'subscribed',
      updated_at: this.now(),
      last_read_at: null,
      subject: {
        title,
        url: `https://api.github.com/repos/o/r/issues/${id}`,
        latest_comment_url: `https://api.github.com/repos/o/r/issues/comments/${id}`,
        type: 'Issue',
      },
      repository: { id: 1, full_name: 'o/r' },
      url: `https://api.github.com/notifications/threads/${id}`,
    });
  }
  markRead(id: string) {
    Object.assign(this.threads.get(id)!, { unread: false, last_read_at: this.now() });
  }
  markDone(id: string) {
    this.threads.delete(id);
  }

  handle = (req: FakeRequest): FakeReply | undefined => {
    if (req.method !== 'GET' || req.path !== '/notifications') return undefined;
    if (this.failNext > 0) {
      this.failNext--;
      return { status: 403, body: { message: 'API rate limit exceeded' }, headers: { 'retry-after': '60' } };
    }
    const q = req.query;
    const since = q.get('since');
    if (since !== null && !Number.isFinite(Date.parse(since))) return { status: 422, body: { message: 'Validation Failed' } };
    const all = [...this.threads.values()]
      .filter((t) => q.get('all') === 'true' || t.unread)
      .filter((t) => since === null || Date.parse(t.updated_at) > Date.parse(since))
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id));
    const perPage = Math.min(Number(q.get('per_page') ?? 50), 50, PAGE);
    const page = Number(q.get('page') ?? 1);
    return { body: all.slice((page - 1) * perPage, page * perPage) };
  };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function seeded() {
  const gh = new FakeGitHub();
  for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) {
    gh.tick();
    gh.notify(id, `Issue ${id}`);
  }
  gh.markRead('n5');
  fake = await startFake(githubProvider, gh.handle);
  return { gh, fake, run: (state: Record<string, unknown> | null) => githubSync.run(contextFor(fake!.base, state)) };
}

describe('github sync hook', () => {
  it('is wired into the provider; apiBaseUrl + /notifications is the documented path', () => {
    expect(githubProvider.sync).toBe(githubSync);
    expect(githubSync.models).toEqual(['notification']);
    expect(githubProvider.apiBaseUrl + '/notifications').toBe('https://api.github.com/notifications');
  });

  it('first sync: read and unread threads over every page until an empty one; the newest updated_at as cursor', async () => {
    const { fake, run } = await seeded();
    const startedAt = Date.now();
    const result = await run(null);
    expect(idsOf(result.changes)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(result.changes.find((c) => c.externalId === 'n5')).toMatchObject({
      model: 'notification',
      updatedAt: '2025-01-01T00:00:05Z',
      data: { unread: false, subject: { title: 'Issue n5' } },
    });
    expect(result.fullModels).toEqual(['notification']);
    expect(result.state.notificationsSince).toBe('2025-01-01T00:00:05Z');
    expect(Date.parse(result.state.fullSyncedAt as string)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(fake.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3', '4']);
    expect(fake.requests.every((r) => r.query.get('all') === 'true' && r.query.get('per_page') === '50' && !r.query.has('since'))).toBe(true);
  });

  it('second run asks since the cursor and gets only the updated and new threads', async () => {
    const { gh, fake, run } = await seeded();
    const first = await run(null);
    gh.tick();
    gh.notify('n1', 'Issue n1 has a new comment');
    gh.tick();
    gh.notify('n6', 'Issue n6');
    gh.tick();
    gh.notify('n7', 'Issue n7');
    gh.markDone('n2');
    const before = fake.requests.length;
    const second = await run(first.state);
    const requests = fake.requests.slice(before);
    expect(requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
    expect(requests.every((r) => r.query.get('since') === first.state.notificationsSince)).toBe(true);
    expect(idsOf(second.changes)).toEqual(['n1', 'n6', 'n7']);
    expect(second.changes.find((c) => c.externalId === 'n1')?.data.subject).toMatchObject({ title: 'Issue n1 has a new comment' });
    expect(second.fullModels).toEqual([]);
    expect(second.state).toEqual({ notificationsSince: '2025-01-01T00:00:08Z', fullSyncedAt: first.state.fullSyncedAt });

    const third = await run(second.state);
    expect(third.changes).toEqual([]);
    expect(third.state).toEqual(second.state);
  });

  it('a stale state (full listing older than a day, or an unusable cursor) means a full resync: done threads disappear', async () => {
    const { gh, fake, run } = await seeded();
    const first = await run(null);
    gh.markDone('n2');
    gh.tick();
    gh.notify('n6', 'Issue n6');
    const old = new Date(Date.now() - GITHUB_FULL_RESYNC_MS - 60_000).toISOString();
    const before = fake.requests.length;
    const resync = await run({ ...first.state, fullSyncedAt: old });
    expect(fake.requests.slice(before).some((r) => r.query.has('since'))).toBe(false);
    expect(idsOf(resync.changes)).toEqual(['n1', 'n3', 'n4', 'n5', 'n6']);
    expect(resync.fullModels).toEqual(['notification']);
    expect(resync.state.notificationsSince).toBe('2025-01-01T00:00:06Z');
    expect(Date.parse(resync.state.fullSyncedAt as string)).toBeGreaterThan(Date.parse(old) + GITHUB_FULL_RESYNC_MS);

    const garbage = await run({ notificationsSince: 'yesterday-ish', fullSyncedAt: first.state.fullSyncedAt });
    expect(garbage.fullModels).toEqual(['notification']);
    expect(idsOf(garbage.changes)).toEqual(['n1', 'n3', 'n4', 'n5', 'n6']);
    const next = await run(resync.state);
    expect(next.fullModels).toEqual([]);
    expect(next.changes).toEqual([]);
  });

  it('errors propagate', async () => {
    const { gh, run } = await seeded();
    gh.failNext = 1;
    const error = await run(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 403, retryAfterSeconds: 60 });
  });
});
