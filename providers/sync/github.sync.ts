import type { SyncChange, SyncHook } from '../types.ts';

// Docs: https://docs.github.com/en/rest/activity/notifications#list-notifications-for-the-authenticated-user
// Paths are relative to apiBaseUrl https://api.github.com. Needs the `notifications` (or `repo`) scope.

interface Notification {
  id: string;
  updated_at: string;
  [field: string]: unknown;
}

/** GitHub caps per_page at 50 for notifications. */
const PER_PAGE = 50;
/** Threads marked done vanish without a trace: a periodic full listing removes them. */
export const GITHUB_FULL_RESYNC_MS = 24 * 60 * 60 * 1000;

function isoOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : undefined;
}

/**
 * Notification threads (read and unread: `all=true`). Incremental runs ask `since` the newest `updated_at` seen.
 * SyncContext exposes no Link header, so pages are walked with `page=N&per_page=50` until an empty page.
 * State: `{ notificationsSince, fullSyncedAt }`; a missing cursor or a full listing older than
 * GITHUB_FULL_RESYNC_MS means a full listing (the only way done threads and read-state changes are seen).
 */
export const githubSync: SyncHook = {
  models: ['notification'],
  async run(ctx) {
    const startedAt = new Date().toISOString();
    const cursor = isoOrUndefined(ctx.state?.notificationsSince);
    const fullSyncedAt = isoOrUndefined(ctx.state?.fullSyncedAt);
    const full = !cursor || !fullSyncedAt || Date.now() - Date.parse(fullSyncedAt) > GITHUB_FULL_RESYNC_MS;
    const since = full ? undefined : cursor;
    const changes: SyncChange[] = [];
    let newest = cursor;
    for (let page = 1; ; page++) {
      const items = await ctx.request<Notification[]>('/notifications', { query: { all: 'true', since, page: String(page), per_page: String(PER_PAGE) } });
      if (!Array.isArray(items) || items.length === 0) break;
      for (const n of items) {
        changes.push({ model: 'notification', externalId: String(n.id), data: n, updatedAt: n.updated_at });
        if (!newest || Date.parse(n.updated_at) > Date.parse(newest)) newest = n.updated_at;
      }
    }
    return { changes, state: { notificationsSince: newest, fullSyncedAt: full ? startedAt : fullSyncedAt }, fullModels: full ? ['notification'] : [] };
  },
};
