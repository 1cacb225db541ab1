import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/**
 * One status an integration entered, and when: written only by the `integration_status_created` /
 * `integration_status_changed` triggers (db/migrations/Migration20261202163000_integration_status_history.ts), in
 * the transaction that changed the status. Time-weighted uptime is computed from it (db/repositories/uptime.repository.ts).
 */
export const IntegrationStatusChange = defineEntity({
  name: 'IntegrationStatusChange',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    integrationId: p.string(),
    status: p.text(),
    changedAt: p.datetime(),
  },
  indexes: [{ properties: ['integrationId', 'changedAt'] }],
});
export type IntegrationStatusChange = InferEntity<typeof IntegrationStatusChange>;
