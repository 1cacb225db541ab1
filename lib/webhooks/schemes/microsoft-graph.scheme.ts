// Docs: https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks · https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
import { safeEqual, sha256Hex } from '../../hash.ts';
import { bodyHash, field, parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

/** Either the hash of the clientState Plugboard chose with the subscription's id, or a clientState set by hand. */
export type GraphExpectations =
  { kind: 'subscribed'; clientStateHash: string; subscriptionId: string } | { kind: 'manual'; clientState: string } | { kind: 'none' };

const RENEW = new Set(['graph.lifecycle.reauthorizationRequired', 'graph.lifecycle.subscriptionRemoved']);

/** Microsoft Graph change notifications (C.8): validationToken handshake, clientState on every item. */
export const microsoftGraphScheme: WebhookSchemeModule<GraphExpectations> = {
  // Subscriptions are per integration.
  accountKey: null,
  expectations({ integration }) {
    const channel = integration?.channel;
    if (channel?.id && channel.tokenHash) return { kind: 'subscribed', clientStateHash: channel.tokenHash, subscriptionId: channel.id };
    const manual = integration?.secrets.graphClientState;
    return manual ? { kind: 'manual', clientState: manual } : { kind: 'none' };
  },
  verify({ body, query }, expect) {
    const validationToken = query.get('validationToken');
    if (validationToken !== null) {
      // Echoed as text/plain only, never as HTML (C.8).
      return { kind: 'handshake', response: { status: 200, contentType: 'text/plain; charset=utf-8', body: validationToken } };
    }
    const items = field(parseJson(body), 'value');
    if (!Array.isArray(items) || !items.length || expect.kind === 'none') return rejected('not a graph notification, or no clientState configured');
    const stateMatches = (n: unknown) => {
      const state = field(n, 'clientState');
      if (typeof state !== 'string') return false;
      return expect.kind === 'subscribed' ? safeEqual(sha256Hex(state), expect.clientStateHash) : safeEqual(state, expect.clientState);
    };
    if (!items.every(stateMatches)) return rejected('graph clientState mismatch');
    if (expect.kind === 'subscribed' && !items.every((n) => field(n, 'subscriptionId') === expect.subscriptionId))
      return rejected('graph notification for another subscription');
    // No delivery id: a digest of what identifies the notifications (E.3).
    const key = items
      .map((n) =>
        [text(n, 'subscriptionId'), text(n, 'changeType'), text(n, 'resource'), text(n, 'resourceData.id'), text(n, 'subscriptionExpirationDateTime')].join(
          '|',
        ),
      )
      .join(',');
    const lifecycle = text(items[0], 'lifecycleEvent');
    return {
      kind: 'event',
      deliveryId: `graph:${bodyHash(lifecycle ? `${key}|${lifecycle}` : key)}`,
      eventType: lifecycle ? `graph.lifecycle.${lifecycle}` : `graph.${text(items[0], 'changeType') ?? 'change'}`,
      route: {},
    };
  },
  actionFor: (eventType) => (RENEW.has(eventType) ? 'push_renew' : 'none'),
};
