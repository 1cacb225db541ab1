// Docs: https://developers.google.com/workspace/calendar/api/guides/push
import { safeEqual, sha256Hex } from '../../hash.ts';
import { rejected, type WebhookSchemeModule } from '../scheme.ts';

export interface ChannelExpectations {
  channelId?: string;
  resourceId?: string;
  /** SHA-256 of the channel token (only the hash is stored). */
  channelTokenHash?: string;
}

/** Google Calendar channels (C.5): our channel id, our random token (hash compared), Google's resource id. */
export const googleChannelScheme: WebhookSchemeModule<ChannelExpectations> = {
  // Channels are per integration: no app-level URL.
  accountKey: null,
  expectations({ integration }) {
    if (!integration) return {};
    if (integration.channel?.id) {
      return { channelId: integration.channel.id, resourceId: integration.channel.resourceId, channelTokenHash: integration.channel.tokenHash };
    }
    // Configured by hand: a channel in settings, its token among the secrets.
    const manual = integration.settings.calendarChannel as { id?: string; resourceId?: string } | undefined;
    const token = integration.secrets.calendarChannelToken;
    return { channelId: manual?.id, resourceId: manual?.resourceId, channelTokenHash: token ? sha256Hex(token) : undefined };
  },
  verify({ headers }, expect) {
    const channelId = headers['x-goog-channel-id'];
    const token = headers['x-goog-channel-token'];
    const state = headers['x-goog-resource-state'];
    const number = headers['x-goog-message-number'];
    if (!channelId || !expect.channelId || !safeEqual(channelId, expect.channelId)) return rejected('unknown calendar channel');
    if (!token || !expect.channelTokenHash || !safeEqual(sha256Hex(token), expect.channelTokenHash)) return rejected('bad calendar channel token');
    if (expect.resourceId && headers['x-goog-resource-id'] !== expect.resourceId) return rejected('calendar resource id mismatch');
    if (!number || !state) return rejected('missing calendar notification headers');
    // The first message of a channel says only that it exists.
    if (state === 'sync') return { kind: 'ignored', reason: 'calendar sync message' };
    return { kind: 'event', deliveryId: `${channelId}:${number}`, eventType: `calendar.${state}`, route: {} };
  },
  actionFor: (eventType) => (eventType === 'calendar.exists' || eventType === 'calendar.not_exists' ? 'sync_hint' : 'none'),
};
