import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/**
 * One `integration.reauthorization_due` threshold an integration's grant has reached (db/tenant-events.ts): written
 * with the event in one transaction, so each threshold is sent once per grant however often the sweep runs. A
 * reconnect (a new grant) deletes the integration's rows, re-arming every threshold.
 */
export const ReauthorizationNotice = defineEntity({
  name: 'ReauthorizationNotice',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('rdn')),
    tenantId: p.string(),
    integrationId: p.string(),
    /** The threshold reached (days before the expiry, PLUGBOARD_EVENT_REAUTHORIZATION_DUE_DAYS). */
    thresholdDays: p.integer(),
    /** The refresh-token expiry it was reached for. */
    refreshTokenExpiresAt: p.datetime(),
    /** The event sent, or null when no endpoint wanted it then (the threshold counts as reached all the same). */
    eventId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['integrationId', 'thresholdDays'] }],
});
export type ReauthorizationNotice = InferEntity<typeof ReauthorizationNotice>;
