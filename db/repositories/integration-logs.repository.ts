import type { EntityManager } from '@mikro-orm/postgresql';
import { IntegrationLog } from '../entities/index.ts';
import { keysetPage, type Page } from '../keyset.ts';

export type LogLevel = 'info' | 'warn' | 'error';

/** Appends a troubleshooting line (never a secret: callers pass fixed text plus ids, codes and statuses). */
export function appendLog(
  em: EntityManager,
  entry: { tenantId: string; integrationId: string; kind: string; level?: LogLevel; message: string },
): IntegrationLog {
  return em.create(IntegrationLog, { ...entry, level: entry.level ?? 'info', message: entry.message.slice(0, 2000) });
}

export async function listLogs(
  em: EntityManager,
  tenantId: string,
  integrationId: string,
  options: { cursor?: string; limit: number },
): Promise<Page<IntegrationLog>> {
  return keysetPage(em, IntegrationLog, { tenantId, integrationId }, { ...options, order: 'desc' });
}
