import { ProviderHttpError, type SyncChange, type SyncHook } from '../types.ts';

// Docs: https://docs.slack.dev/reference/methods/conversations.list
// Paths are relative to apiBaseUrl https://slack.com/api (so `/conversations.list`).

interface Channel {
  id: string;
  created?: number;
  /** Milliseconds since the epoch. */
  updated?: number;
  [field: string]: unknown;
}

interface ListResponse {
  ok: boolean;
  error?: string;
  channels?: Channel[];
  response_metadata?: { next_cursor?: string };
}

const AUTH_ERRORS = ['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type'];
const PERMISSION_ERRORS = ['missing_scope', 'no_permission', 'ekm_access_denied'];

/** Slack answers errors with HTTP 200 and `ok:false`; map them onto the status a plain HTTP API would use. */
function slackError(error: string | undefined): ProviderHttpError {
  const code = error ?? 'unknown_error';
  const status = code === 'ratelimited' ? 429 : AUTH_ERRORS.includes(code) ? 401 : PERMISSION_ERRORS.includes(code) ? 403 : 502;
  return new ProviderHttpError(status, `Slack API answered ok:false (${code}) for conversations.list`);
}

function updatedAtOf(channel: Channel): string | undefined {
  if (typeof channel.updated === 'number') return new Date(channel.updated).toISOString();
  if (typeof channel.created === 'number') return new Date(channel.created * 1000).toISOString();
  return undefined;
}

/**
 * Public channels (the `channels:read` scope), a full listing every run: conversations.list has no change feed.
 * Archived channels are left out (`exclude_archived`), so archiving counts as a deletion. No state is needed.
 */
export const slackSync: SyncHook = {
  models: ['channel'],
  async run(ctx) {
    const changes: SyncChange[] = [];
    let cursor: string | undefined;
    do {
      const page = await ctx.request<ListResponse>('/conversations.list', { query: { cursor, limit: '200', exclude_archived: 'true' } });
      if (page.ok !== true) throw slackError(page.error);
      for (const channel of page.channels ?? []) changes.push({ model: 'channel', externalId: channel.id, data: channel, updatedAt: updatedAtOf(channel) });
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return { changes, state: {}, fullModels: ['channel'] };
  },
};
