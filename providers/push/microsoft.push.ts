import { sha256Hex } from '../../lib/hash.ts';
import type { PushSubscriptionHook } from '../types.ts';
import { renewBeforeExpiry } from './google-calendar.push.ts';

// Docs: https://learn.microsoft.com/graph/change-notifications-delivery-webhooks · subscription resource
// (docs/security.md C.8). Paths are relative to apiBaseUrl https://graph.microsoft.com/v1.0.

/** 4230 minutes: within the maximum of every Outlook resource (messages, events, contacts). */
const DEFAULT_TTL_MINUTES = 4230;
const MIN_TTL_MINUTES = 60;

interface SubscriptionResponse {
  id: string;
  expirationDateTime?: string;
}

/**
 * Microsoft Graph change-notification subscriptions on the resource the operator chose
 * (PLUGBOARD_MICROSOFT_PUSH_RESOURCE, e.g. `me/mailFolders('Inbox')/messages`). Creating one makes Graph call
 * the notification URL with a `validationToken` first, which the webhook endpoint echoes. `clientState` is a
 * random secret per subscription; only its hash is kept, and every notification must carry it.
 */
export const microsoftPush: PushSubscriptionHook = {
  unavailable: (setting) =>
    setting('PUSH_RESOURCE')
      ? undefined
      : "set PLUGBOARD_MICROSOFT_PUSH_RESOURCE (a Graph resource such as me/mailFolders('Inbox')/messages) to receive Microsoft 365 change notifications",
  async subscribe(api, { address, token, setting }) {
    const configured = Number(setting('PUSH_TTL_MINUTES') ?? DEFAULT_TTL_MINUTES);
    const minutes = Number.isFinite(configured) ? Math.max(MIN_TTL_MINUTES, configured) : DEFAULT_TTL_MINUTES;
    const response = await api.request<SubscriptionResponse>('/subscriptions', {
      method: 'POST',
      body: {
        changeType: setting('PUSH_CHANGE_TYPE') ?? 'created,updated,deleted',
        notificationUrl: address,
        // reauthorizationRequired / subscriptionRemoved / missed come to the same endpoint, with the same clientState.
        lifecycleNotificationUrl: address,
        resource: setting('PUSH_RESOURCE'),
        expirationDateTime: new Date(Date.now() + minutes * 60_000).toISOString(),
        // At most 128 characters (C.8): the 43-character token fits.
        clientState: token,
      },
    });
    if (!response.id) throw new Error('Microsoft Graph answered the subscription request without an id');
    const expiresAt = Date.parse(response.expirationDateTime ?? '');
    return { id: response.id, expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + minutes * 60_000, tokenHash: sha256Hex(token) };
  },
  async unsubscribe(api, channel) {
    if (channel.id) await api.request(`/subscriptions/${encodeURIComponent(channel.id)}`, { method: 'DELETE' });
  },
  renewAt: renewBeforeExpiry,
};
