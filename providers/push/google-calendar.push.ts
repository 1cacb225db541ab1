import { sha256Hex } from '../../lib/hash.ts';
import type { PushChannel, PushSubscriptionHook } from '../types.ts';

// Docs: https://developers.google.com/workspace/calendar/api/guides/push (docs/security.md C.5).
// Paths are relative to apiBaseUrl https://www.googleapis.com/calendar/v3.

/** What we ask for; Google may shorten it ("the more restrictive value is used"). */
const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
const DAY_MS = 24 * 3600_000;

interface ChannelResponse {
  id: string;
  resourceId: string;
  resourceUri?: string;
  /** Epoch ms, as a string. */
  expiration?: string;
}

/** Google has not said how short a channel may live; below an hour, renewals would only add load. */
const MIN_TTL_SECONDS = 3600;
/** A channel that already expired (clock skew) is replaced after this, not in a tight loop. */
const EXPIRED_RETRY_MS = 60_000;

/** Replace a channel a day before it expires, or at half its life when it is shorter than two days. */
export function renewBeforeExpiry(channel: PushChannel, now: number): number {
  if (channel.expiresAt <= now) return now + EXPIRED_RETRY_MS;
  return channel.expiresAt - Math.min(DAY_MS, (channel.expiresAt - now) / 2);
}

/**
 * Calendar push channels on the primary calendar's events. There is no renewal call: a new channel with a new
 * id replaces the old one, which is then stopped. The channel token is a random secret of ours; only its
 * hash is stored, and notifications are compared against it.
 */
export const googleCalendarPush: PushSubscriptionHook = {
  async subscribe(api, { address, channelId, token, setting }) {
    const configured = Number(setting('PUSH_TTL_SECONDS') ?? DEFAULT_TTL_SECONDS);
    const ttl = Number.isFinite(configured) ? Math.max(MIN_TTL_SECONDS, configured) : DEFAULT_TTL_SECONDS;
    const response = await api.request<ChannelResponse>('/calendars/primary/events/watch', {
      method: 'POST',
      body: { id: channelId, type: 'web_hook', address, token, params: { ttl: String(Math.floor(ttl)) } },
    });
    if (response.id !== channelId || !response.resourceId) throw new Error('Google Calendar answered the watch request without the channel id or resource id');
    const expiresAt = Number(response.expiration);
    return {
      id: channelId,
      resourceId: response.resourceId,
      // Without an expiration Google's own default applies; assume a day so it is renewed in time.
      expiresAt: Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : Date.now() + DAY_MS,
      tokenHash: sha256Hex(token),
    };
  },
  async unsubscribe(api, channel) {
    if (!channel.id || !channel.resourceId) return;
    await api.request('/channels/stop', { method: 'POST', body: { id: channel.id, resourceId: channel.resourceId } });
  },
  renewAt: renewBeforeExpiry,
};
