import type { PushSubscriptionHook } from '../types.ts';
import { renewBeforeExpiry } from './google-calendar.push.ts';

// Docs: https://developers.google.com/workspace/gmail/api/guides/push (docs/security.md C.4).
// Paths are relative to apiBaseUrl https://gmail.googleapis.com.

const DAY_MS = 24 * 3600_000;

interface WatchResponse {
  historyId?: string;
  /** Epoch ms, as a string. */
  expiration?: string;
}

/**
 * Gmail `users.watch`: notifications go to the operator's Cloud Pub/Sub topic (PLUGBOARD_GMAIL_PUSH_TOPIC),
 * whose authenticated push subscription delivers to `/webhooks/gmail`. Google asks for a new watch call at
 * least every 7 days and recommends one a day.
 */
export const gmailPush: PushSubscriptionHook = {
  // Without the push subscription's service account every delivery would be refused (verify.ts), and Pub/Sub
  // would keep redelivering for days: both settings, or no watch.
  unavailable: (setting) =>
    !setting('PUSH_TOPIC')
      ? 'set PLUGBOARD_GMAIL_PUSH_TOPIC (projects/<project>/topics/<topic>) to receive Gmail push notifications'
      : !setting('PUSH_SERVICE_ACCOUNT')
        ? 'set PLUGBOARD_GMAIL_PUSH_SERVICE_ACCOUNT (the service account of the Pub/Sub push subscription) so Gmail notifications can be verified'
        : undefined,
  async subscribe(api, { setting }) {
    const response = await api.request<WatchResponse>('/gmail/v1/users/me/watch', { method: 'POST', body: { topicName: setting('PUSH_TOPIC') } });
    const expiresAt = Number(response.expiration);
    return { expiresAt: Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : Date.now() + 7 * DAY_MS };
  },
  async unsubscribe(api) {
    await api.request('/gmail/v1/users/me/stop', { method: 'POST' });
  },
  renewAt: (channel, now) => Math.min(now + DAY_MS, renewBeforeExpiry(channel, now)),
};
