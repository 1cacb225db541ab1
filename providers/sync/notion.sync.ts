import type { SyncChange, SyncHook } from '../types.ts';

// Docs: https://developers.notion.com/reference/post-search
// Paths are relative to apiBaseUrl https://api.notion.com/v1 (so `/search`, not `/v1/search`).

interface NotionPage {
  object: string;
  id: string;
  last_edited_time: string;
  archived?: boolean;
  in_trash?: boolean;
  [field: string]: unknown;
}

interface SearchPage {
  results: NotionPage[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Search never reports pages that were unshared or permanently deleted: a periodic full listing catches those. */
export const NOTION_FULL_RESYNC_MS = 24 * 60 * 60 * 1000;

function isoOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : undefined;
}

/**
 * Pages shared with the integration, from POST /search sorted by last_edited_time descending: an incremental run
 * stops at the first page older than the stored cursor. Notion rounds last_edited_time to the minute, so the
 * cursor is inclusive (pages edited in the cursor's minute are reported again; the content hash dedupes them).
 * Archived or trashed pages are deletions. State: `{ lastEditedSince, fullSyncedAt }`; a missing cursor or a full
 * listing older than NOTION_FULL_RESYNC_MS means a full listing.
 */
export const notionSync: SyncHook = {
  models: ['page'],
  async run(ctx) {
    const startedAt = new Date().toISOString();
    const cursor = isoOrUndefined(ctx.state?.lastEditedSince);
    const fullSyncedAt = isoOrUndefined(ctx.state?.fullSyncedAt);
    const full = !cursor || !fullSyncedAt || Date.now() - Date.parse(fullSyncedAt) > NOTION_FULL_RESYNC_MS;
    const since = full ? undefined : Date.parse(cursor);
    const changes: SyncChange[] = [];
    let newest = cursor;
    let startCursor: string | undefined;
    let done = false;
    do {
      const page = await ctx.request<SearchPage>('/search', {
        method: 'POST',
        body: {
          filter: { property: 'object', value: 'page' },
          sort: { direction: 'descending', timestamp: 'last_edited_time' },
          page_size: 100,
          start_cursor: startCursor,
        },
      });
      for (const result of page.results) {
        if (result.object !== 'page') continue;
        const edited = Date.parse(result.last_edited_time);
        if (since !== undefined && edited < since) {
          done = true;
          break;
        }
        changes.push({
          model: 'page',
          externalId: result.id,
          data: result,
          updatedAt: result.last_edited_time,
          deleted: result.archived === true || result.in_trash === true,
        });
        if (!newest || edited > Date.parse(newest)) newest = result.last_edited_time;
      }
      startCursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
    } while (startCursor && !done);
    return { changes, state: { lastEditedSince: newest, fullSyncedAt: full ? startedAt : fullSyncedAt }, fullModels: full ? ['page'] : [] };
  },
};
