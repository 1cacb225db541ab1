import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/**
 * A tenant's receiver of Plugboard's own lifecycle events (docs/architecture.md "Tenant events"), signed with
 * its own Standard Webhooks secret. Secrets are vault ciphertexts (db/event-endpoint-secrets.ts), never serialized.
 */
export const EventEndpoint = defineEntity({
  name: 'EventEndpoint',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('wep')),
    tenantId: p.string(),
    url: p.text(),
    description: p.text().default(''),
    /** The event types it receives; null: every type. */
    eventTypes: p.json<string[]>().nullable(),
    secret: p.text().hidden(),
    /** The secret before the last rotation, still signing (beside the new one) until `previousSecretExpiresAt`. */
    previousSecret: p.text().hidden().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    keyId: p.string().nullable(),
    /** Set by a 410, by failing for 5 days in a row, or by the tenant (PATCH `enabled: false`). */
    disabledAt: p.datetime().nullable(),
    disabledReason: p.text().nullable(),
    /** The first failed attempt since the last success: failing for PLUGBOARD_EVENT_DISABLE_AFTER_MS disables the endpoint. */
    failingSince: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['tenantId', 'id'] }],
});
export type EventEndpoint = InferEntity<typeof EventEndpoint>;
