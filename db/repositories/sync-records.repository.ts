import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { SyncRecord } from '../entities/index.ts';
import { keysetPage, type Page } from '../keyset.ts';

/** An integration's synced records in change order (deletions included), after `since` and the cursor. */
export async function listSyncRecords(
  em: EntityManager,
  tenantId: string,
  integrationId: string,
  query: { model?: string; since?: Date; cursor?: string; limit: number },
): Promise<Page<SyncRecord>> {
  const where: FilterQuery<SyncRecord> = { tenantId, integrationId };
  if (query.model) where.model = query.model;
  if (query.since) where.changedAt = { $gt: query.since };
  return keysetPage(em, SyncRecord, where, { cursor: query.cursor, limit: query.limit, order: 'asc', by: 'changedAt' });
}
