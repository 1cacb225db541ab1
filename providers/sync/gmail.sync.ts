import { ProviderHttpError, type SyncChange, type SyncContext, type SyncHook, type SyncResult } from '../types.ts';

// Docs: https://developers.google.com/workspace/gmail/api/guides/sync ·
// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list
// Paths are relative to apiBaseUrl https://gmail.googleapis.com.

interface MessageRef {
  id: string;
  threadId?: string;
  labelIds?: string[];
}

interface HistoryRecord {
  id: string;
  messagesAdded?: { message: MessageRef }[];
  messagesDeleted?: { message: MessageRef }[];
  labelsAdded?: { message: MessageRef; labelIds?: string[] }[];
  labelsRemoved?: { message: MessageRef; labelIds?: string[] }[];
}

interface HistoryPage {
  history?: HistoryRecord[];
  nextPageToken?: string;
  historyId?: string;
}

interface MessagesPage {
  messages?: MessageRef[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

/** messages.list leaves these out by default (includeSpamTrash=false), so the history replay treats them as deletions too. */
const HIDDEN_LABELS = ['TRASH', 'SPAM'];

function cursorOf(state: Record<string, unknown> | null): string | undefined {
  const value = state?.historyId;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && /^\d+$/.test(value) ? value : undefined;
}

/** Full listing: the profile's historyId is read first, so changes made during the listing are replayed next run. */
async function fullSync(ctx: SyncContext): Promise<SyncResult> {
  const profile = await ctx.request<{ historyId: string | number }>('/gmail/v1/users/me/profile');
  const changes: SyncChange[] = [];
  let pageToken: string | undefined;
  do {
    const page = await ctx.request<MessagesPage>('/gmail/v1/users/me/messages', { query: { maxResults: '500', pageToken } });
    for (const m of page.messages ?? []) changes.push({ model: 'message', externalId: m.id, data: { id: m.id, threadId: m.threadId } });
    pageToken = page.nextPageToken || undefined;
  } while (pageToken);
  return { changes, state: { historyId: String(profile.historyId) }, fullModels: ['message'] };
}

/** Replays users.history.list from the stored historyId; the last state of each message wins, deletions are final. */
async function partialSync(ctx: SyncContext, startHistoryId: string): Promise<SyncResult> {
  const latest = new Map<string, { threadId?: string; labelIds?: string[]; deleted: boolean }>();
  const note = (message: MessageRef, deleted: boolean) => {
    const entry = latest.get(message.id) ?? { deleted: false };
    if (message.threadId) entry.threadId = message.threadId;
    if (message.labelIds) entry.labelIds = message.labelIds;
    if (deleted) entry.deleted = true;
    latest.set(message.id, entry);
  };
  let historyId = startHistoryId;
  let pageToken: string | undefined;
  do {
    const page = await ctx.request<HistoryPage>('/gmail/v1/users/me/history', { query: { startHistoryId, pageToken, maxResults: '500' } });
    for (const record of page.history ?? []) {
      for (const { message } of record.messagesAdded ?? []) note(message, false);
      for (const { message } of record.labelsAdded ?? []) note(message, false);
      for (const { message } of record.labelsRemoved ?? []) note(message, false);
      for (const { message } of record.messagesDeleted ?? []) note(message, true);
    }
    if (page.historyId !== undefined) historyId = String(page.historyId);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken);
  const changes: SyncChange[] = [];
  for (const [id, entry] of latest) {
    const hidden = entry.deleted || (entry.labelIds ?? []).some((l) => HIDDEN_LABELS.includes(l));
    const data: Record<string, unknown> = { id, threadId: entry.threadId };
    if (entry.labelIds) data.labelIds = entry.labelIds;
    changes.push({ model: 'message', externalId: id, data, deleted: hidden });
  }
  return { changes, state: { historyId }, fullModels: [] };
}

/**
 * Gmail messages (ids, thread ids and, from history, label ids; messages.list gives no labels). State: `{ historyId }`.
 * A historyId too old for users.history.list answers HTTP 404: then a full resync.
 */
export const gmailSync: SyncHook = {
  models: ['message'],
  async run(ctx) {
    const start = cursorOf(ctx.state);
    if (!start) return fullSync(ctx);
    try {
      return await partialSync(ctx, start);
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 404) return fullSync(ctx);
      throw error;
    }
  },
};
