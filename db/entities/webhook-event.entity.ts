import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processed', 'failed'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** A verified provider webhook, stored before the ack (docs/architecture.md); deduplicated by (integration, deliveryId). */
export const WebhookEvent = defineEntity({
  name: 'WebhookEvent',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('evt')),
    tenantId: p.string(),
    integrationId: p.string(),
    provider: p.string(),
    eventType: p.string(),
    deliveryId: p.string(),
    /** The verified raw body as a vault ciphertext (provider payloads carry user data). */
    payload: p.text().hidden(),
    keyId: p.string().nullable(),
    status: p.enum(WEBHOOK_EVENT_STATUSES).default('pending'),
    /** Arrival order (ids are random): each integration's events are processed in this order. */
    seq: p.bigint('number').autoincrement(),
    attempts: p.integer().default(0),
    /** Delivery attempts after which the event is given up; a manual retry grants a fresh set. */
    attemptLimit: p.integer().default(6),
    lastAttemptAt: p.datetime().nullable(),
    processedAt: p.datetime().nullable(),
    /** When a dispatcher claimed the event to start its workflow (null: waiting for one; docs/architecture.md). */
    dispatchedAt: p.datetime().nullable(),
    errorMessage: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['integrationId', 'deliveryId'] }],
  indexes: [
    { properties: ['tenantId', 'integrationId', 'id'] },
    { properties: ['tenantId', 'status', 'id'] },
    { properties: ['status', 'createdAt'] },
    // The dispatcher's queue: pending events no dispatcher has claimed, oldest first.
    { name: 'webhook_event_undispatched_index', properties: ['createdAt'], where: { status: 'pending', dispatchedAt: null } },
    // Each integration's batch reads its pending events in arrival order (activities/webhook-batch.activities.ts).
    { name: 'webhook_event_pending_per_integration_index', properties: ['integrationId', 'seq'], where: { status: 'pending' } },
  ],
});
export type WebhookEvent = InferEntity<typeof WebhookEvent>;

/**
 * A verified app-level delivery that matched no integration (no connected account of that app): kept durably
 * for operators (`plugboard webhooks unrouted`), its payload encrypted like any event, never applied or
 * forwarded. Deduplicated by (provider, deliveryId).
 */
export const UnroutedWebhookEvent = defineEntity({
  name: 'UnroutedWebhookEvent',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('evu')),
    provider: p.string(),
    eventType: p.string(),
    deliveryId: p.string(),
    /** What the verified payload named (not secret): the account or installation, and the app. */
    accountId: p.string().nullable(),
    appId: p.string().nullable(),
    payload: p.text().hidden(),
    keyId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['provider', 'deliveryId'] }],
  indexes: [{ properties: ['createdAt'] }],
});
export type UnroutedWebhookEvent = InferEntity<typeof UnroutedWebhookEvent>;
