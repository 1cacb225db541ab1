import { afterEach, describe, expect, it } from 'vitest';
import { gmailProvider } from '../../providers/gmail.provider.ts';
import { gmailSync } from '../../providers/sync/gmail.sync.ts';
import { ProviderHttpError } from '../../providers/types.ts';
import { contextFor, decodeToken, encodeToken, idsOf, startFake, type Fake, type FakeReply, type FakeRequest } from './harness.ts';

const PAGE = 2;
const HISTORY = '/gmail/v1/users/me/history';
const MESSAGES = '/gmail/v1/users/me/messages';
const PROFILE = '/gmail/v1/users/me/profile';

interface Msg {
  id: string;
  threadId: string;
  labelIds: string[];
}
type Kind = 'messagesAdded' | 'messagesDeleted' | 'labelsAdded' | 'labelsRemoved';

/** A mailbox with a history log; history records older than `oldestStart` are gone (404, as Gmail does). */
class FakeGmail {
  historyId = 1000;
  oldestStart = 0;
  failHistory = 0;
  messages = new Map<string, Msg>();
  log: { id: number; kind: Kind; message: Msg; labelIds?: string[] }[] = [];

  private record(kind: Kind, message: Msg, labelIds?: string[]) {
    this.historyId += 1 + Math.floor(Math.random() * 3); // increasing, not contiguous
    this.log.push({ id: this.historyId, kind, message: { ...message, labelIds: [...message.labelIds] }, labelIds });
  }
  add(id: string, labelIds = ['INBOX']) {
    const m = { id, threadId: `t-${id}`, labelIds };
    this.messages.set(id, m);
    this.record('messagesAdded', m);
  }
  remove(id: string) {
    const m = this.messages.get(id)!;
    this.messages.delete(id);
    this.record('messagesDeleted', m);
  }
  label(id: string, label: string, add: boolean) {
    const m = this.messages.get(id)!;
    m.labelIds = add ? [...m.labelIds, label] : m.labelIds.filter((l) => l !== label);
    this.record(add ? 'labelsAdded' : 'labelsRemoved', m, [label]);
  }
  expireHistory() {
    this.oldestStart = this.historyId;
  }

  handle = (req: FakeRequest): FakeReply | undefined => {
    if (req.method !== 'GET') return undefined;
    if (req.path === PROFILE)
      return {
        body: { emailAddress: 'me@example.com', messagesTotal: this.messages.size, threadsTotal: this.messages.size, historyId: String(this.historyId) },
      };
    if (req.path === MESSAGES) {
      const all = [...this.messages.values()]
        .filter((m) => req.query.get('includeSpamTrash') === 'true' || !m.labelIds.some((l) => l === 'SPAM' || l === 'TRASH'))
        .sort((a, b) => b.id.localeCompare(a.id));
      const offset = decodeToken<number>(req.query.get('pageToken')) ?? 0;
      const size = Math.min(Number(req.query.get('maxResults') ?? 100), PAGE);
      const slice = all.slice(offset, offset + size).map((m) => ({ id: m.id, threadId: m.threadId }));
      return {
        body: { messages: slice, ...(offset + size < all.length ? { nextPageToken: encodeToken(offset + size) } : {}), resultSizeEstimate: all.length },
      };
    }
    if (req.path === HISTORY) {
      if (this.failHistory > 0) {
        this.failHistory--;
        return { status: 500, body: { error: { code: 500, message: 'backend error' } } };
      }
      const start = Number(req.query.get('startHistoryId'));
      if (!req.query.get('startHistoryId') || !Number.isFinite(start)) return { status: 400, body: { error: { code: 400 } } };
      if (start < this.oldestStart) return { status: 404, body: { error: { code: 404, message: 'Requested entity was not found.' } } };
      const records = this.log.filter((h) => h.id > start);
      const offset = decodeToken<number>(req.query.get('pageToken')) ?? 0;
      const page = records.slice(offset, offset + PAGE).map((h) => ({
        id: String(h.id),
        messages: [{ id: h.message.id, threadId: h.message.threadId }],
        [h.kind]: [{ message: h.message, ...(h.labelIds ? { labelIds: h.labelIds } : {}) }],
      }));
      return {
        body: {
          ...(page.length ? { history: page } : {}),
          ...(offset + PAGE < records.length ? { nextPageToken: encodeToken(offset + PAGE) } : {}),
          historyId: String(this.historyId),
        },
      };
    }
    return undefined;
  };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function seeded() {
  const gmail = new FakeGmail();
  for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) gmail.add(id);
  gmail.add('m0', ['SPAM']);
  fake = await startFake(gmailProvider, gmail.handle);
  return { gmail, fake, run: (state: Record<string, unknown> | null) => gmailSync.run(contextFor(fake!.base, state)) };
}

const paths = (f: Fake, from = 0) => f.requests.slice(from).map((r) => r.path);

describe('gmail sync hook', () => {
  it('is wired into the provider, whose apiBaseUrl joins the hook paths to /gmail/v1/...', () => {
    expect(gmailProvider.sync).toBe(gmailSync);
    expect(gmailSync.models).toEqual(['message']);
    expect(gmailProvider.apiBaseUrl).toBe('https://gmail.googleapis.com');
  });

  it('first sync: a full listing over every page, cursor from the profile', async () => {
    const { gmail, fake, run } = await seeded();
    const result = await run(null);
    expect(idsOf(result.changes)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(result.changes.every((c) => c.model === 'message' && !c.deleted)).toBe(true);
    expect(result.changes.find((c) => c.externalId === 'm3')?.data).toEqual({ id: 'm3', threadId: 't-m3' });
    expect(result.fullModels).toEqual(['message']);
    expect(result.state).toEqual({ historyId: String(gmail.historyId) });
    expect(paths(fake)).toEqual([PROFILE, MESSAGES, MESSAGES, MESSAGES]);
  });

  it('second run replays history from the stored historyId: only changes, deletions and trash flagged, new cursor', async () => {
    const { gmail, fake, run } = await seeded();
    const first = await run(null);
    gmail.add('m6');
    gmail.remove('m2');
    gmail.label('m3', 'STARRED', true);
    gmail.label('m4', 'TRASH', true);
    gmail.label('m5', 'TRASH', true);
    gmail.label('m5', 'TRASH', false);
    const before = fake.requests.length;
    const second = await run(first.state);
    expect(fake.requests.slice(before).map((r) => r.query.get('startHistoryId'))).toEqual([
      first.state.historyId,
      first.state.historyId,
      first.state.historyId,
    ]);
    expect(paths(fake, before)).toEqual([HISTORY, HISTORY, HISTORY]);
    expect(idsOf(second.changes, false)).toEqual(['m3', 'm5', 'm6']);
    expect(idsOf(second.changes, true)).toEqual(['m2', 'm4']);
    expect(second.changes).toHaveLength(5);
    expect(second.changes.find((c) => c.externalId === 'm3')?.data).toEqual({ id: 'm3', threadId: 't-m3', labelIds: ['INBOX', 'STARRED'] });
    expect(second.changes.find((c) => c.externalId === 'm5')?.data).toEqual({ id: 'm5', threadId: 't-m5', labelIds: ['INBOX'] });
    expect(second.fullModels).toEqual([]);
    expect(second.state).toEqual({ historyId: String(gmail.historyId) });
    expect(second.state.historyId).not.toBe(first.state.historyId);

    // The new state is what the next run needs: nothing changed, nothing reported, same cursor.
    const third = await run(second.state);
    expect(third.changes).toEqual([]);
    expect(third.fullModels).toEqual([]);
    expect(third.state).toEqual(second.state);
    gmail.add('m7');
    const fourth = await run(third.state);
    expect(idsOf(fourth.changes)).toEqual(['m7']);
  });

  it('a stale historyId (HTTP 404) falls back to a full resync with a fresh cursor', async () => {
    const { gmail, fake, run } = await seeded();
    const first = await run(null);
    gmail.remove('m2');
    gmail.label('m4', 'TRASH', true);
    gmail.add('m6');
    gmail.expireHistory();
    const before = fake.requests.length;
    const resync = await run(first.state);
    expect(paths(fake, before)).toEqual([HISTORY, PROFILE, MESSAGES, MESSAGES]);
    expect(fake.requests[before]?.query.get('startHistoryId')).toBe(first.state.historyId);
    expect(fake.requests[before]?.status).toBe(404);
    expect(idsOf(resync.changes)).toEqual(['m1', 'm3', 'm5', 'm6']);
    expect(resync.changes.some((c) => c.deleted)).toBe(false);
    expect(resync.fullModels).toEqual(['message']);
    expect(resync.state).toEqual({ historyId: String(gmail.historyId) });
    const after = await run(resync.state);
    expect(after.fullModels).toEqual([]);
    expect(after.changes).toEqual([]);
  });

  it('other errors are not mistaken for a stale cursor', async () => {
    const { gmail, run } = await seeded();
    const first = await run(null);
    gmail.failHistory = 1;
    const error = await run(first.state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(500);
  });
});
