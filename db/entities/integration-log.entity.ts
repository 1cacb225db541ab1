import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/** Append-only, per-integration troubleshooting log (connected, refreshed, refresh_failed, revoked, …). Never a secret. */
export const IntegrationLog = defineEntity({
  name: 'IntegrationLog',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('log')),
    tenantId: p.string(),
    integrationId: p.string(),
    kind: p.string(),
    level: p.enum(['info', 'warn', 'error'] as const).default('info'),
    message: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['tenantId', 'integrationId', 'id'] }],
});
export type IntegrationLog = InferEntity<typeof IntegrationLog>;
