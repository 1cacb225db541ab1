import { ProviderHttpError, type SyncChange, type SyncContext, type SyncHook, type SyncResult } from '../types.ts';

// Docs: https://developers.google.com/workspace/calendar/api/guides/sync ·
// https://developers.google.com/workspace/calendar/api/v3/reference/events/list
// Paths are relative to apiBaseUrl https://www.googleapis.com/calendar/v3.

interface CalendarEvent {
  id: string;
  status?: 'confirmed' | 'tentative' | 'cancelled';
  updated?: string;
  [field: string]: unknown;
}

interface EventsPage {
  items?: CalendarEvent[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

/**
 * Lists the primary calendar's events: with a syncToken only what changed since it, without one everything.
 * The query is the same in both modes (showDeleted=true), as a sync token requires; cancelled events are deletions.
 */
async function listEvents(ctx: SyncContext, syncToken: string | undefined): Promise<SyncResult> {
  const changes: SyncChange[] = [];
  let pageToken: string | undefined;
  let nextSyncToken: string | undefined;
  do {
    const page = await ctx.request<EventsPage>('/calendars/primary/events', { query: { syncToken, pageToken, showDeleted: 'true', maxResults: '250' } });
    for (const event of page.items ?? []) {
      changes.push({ model: 'event', externalId: event.id, data: event, updatedAt: event.updated, deleted: event.status === 'cancelled' });
    }
    pageToken = page.nextPageToken || undefined;
    nextSyncToken = page.nextSyncToken ?? nextSyncToken;
  } while (pageToken);
  // Without a nextSyncToken (not expected on the last page) the next run lists everything again.
  return { changes, state: nextSyncToken ? { syncToken: nextSyncToken } : {}, fullModels: syncToken ? [] : ['event'] };
}

/** Events of the primary calendar. State: `{ syncToken }`; an expired token answers 410 Gone: then a full resync. */
export const googleCalendarSync: SyncHook = {
  models: ['event'],
  async run(ctx) {
    const syncToken = typeof ctx.state?.syncToken === 'string' && ctx.state.syncToken ? ctx.state.syncToken : undefined;
    if (!syncToken) return listEvents(ctx, undefined);
    try {
      return await listEvents(ctx, syncToken);
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 410) return listEvents(ctx, undefined);
      throw error;
    }
  },
};
