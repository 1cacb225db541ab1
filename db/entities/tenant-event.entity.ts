import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

export const EVENT_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type EventDeliveryStatus = (typeof EVENT_DELIVERY_STATUSES)[number];

/**
 * One lifecycle event of a tenant (`integration.connected`…), the outbox row behind its deliveries. Its id is
 * the Standard Webhooks `webhook-id`; `data` is a vault ciphertext (a reauthorization event carries a connect
 * link), written with its deliveries in one transaction (db/tenant-events.ts).
 */
export const TenantEvent = defineEntity({
  name: 'TenantEvent',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('msg')),
    tenantId: p.string(),
    type: p.string(),
    integrationId: p.string().nullable(),
    data: p.text().hidden(),
    keyId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['tenantId', 'createdAt'] }],
});
export type TenantEvent = InferEntity<typeof TenantEvent>;

/** One event to one endpoint: its own schedule, so a failing delivery never holds back the endpoint's later ones. */
export const EventDelivery = defineEntity({
  name: 'EventDelivery',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('dlv')),
    tenantId: p.string(),
    endpointId: p.string(),
    eventId: p.string(),
    eventType: p.string(),
    /** Creation order (ids tie within a millisecond): each endpoint's due deliveries go out in this order. */
    seq: p.bigint('number').autoincrement(),
    status: p.enum(EVENT_DELIVERY_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
    /** When a relay woke the endpoint's workflow for it (null: not yet; workers/event-dispatcher.ts). */
    dispatchedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { properties: ['tenantId', 'endpointId', 'createdAt', 'id'] },
    // The endpoint workflow's read: its pending deliveries, due first, in creation order.
    { name: 'event_delivery_pending_index', properties: ['endpointId', 'nextAttemptAt', 'seq'], where: { status: 'pending' } },
    // The relay's queue: deliveries no relay has woken a workflow for yet.
    { name: 'event_delivery_undispatched_index', properties: ['createdAt'], where: { status: 'pending', dispatchedAt: null } },
    // Retention's "no delivery of this event is left" (db/repositories/retention.repository.ts).
    { properties: ['eventId'] },
  ],
});
export type EventDelivery = InferEntity<typeof EventDelivery>;

/** Every attempt of a delivery: when, the answer's status and latency, a bounded excerpt of its body — never a request header. */
export const EventDeliveryAttempt = defineEntity({
  name: 'EventDeliveryAttempt',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('att')),
    tenantId: p.string(),
    deliveryId: p.string(),
    endpointId: p.string(),
    attemptedAt: p.datetime(),
    /** The receiver's HTTP status; null when no answer came (timeout, refused connection). */
    statusCode: p.integer().nullable(),
    latencyMs: p.integer(),
    responseExcerpt: p.text().nullable(),
    error: p.text().nullable(),
  },
  indexes: [{ properties: ['tenantId', 'deliveryId', 'id'] }],
});
export type EventDeliveryAttempt = InferEntity<typeof EventDeliveryAttempt>;
