import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/** One record synced from a provider (a Gmail message, a Calendar event, a sandbox item…), with change detection. */
export const SyncRecord = defineEntity({
  name: 'SyncRecord',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('rec')),
    tenantId: p.string(),
    integrationId: p.string(),
    model: p.string(),
    externalId: p.string(),
    data: p.json<Record<string, unknown>>(),
    contentHash: p.string(),
    /** The provider's own modification time, when it reports one. */
    updatedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** When our copy last changed (created, updated or deleted): the `since` filter and the cursor follow it. */
    changedAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['integrationId', 'model', 'externalId'] }],
  indexes: [{ properties: ['tenantId', 'integrationId', 'model', 'changedAt', 'id'] }],
});
export type SyncRecord = InferEntity<typeof SyncRecord>;
