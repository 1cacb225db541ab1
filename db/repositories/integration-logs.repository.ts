import type { EntityManager } from '@mikro-orm/postgresql';
import { IntegrationLog } from '../entities/index.ts';

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
): Promise<{ items: IntegrationLog[]; nextCursor: string | null }> {
  const items = await em.find(
    IntegrationLog,
    { tenantId, integrationId, ...(options.cursor ? { id: { $lt: options.cursor } } : {}) },
    { orderBy: { id: 'desc' }, limit: options.limit + 1 },
  );
  const more = items.length > options.limit;
  if (more) items.pop();
  return { items, nextCursor: more ? items[items.length - 1]!.id : null };
}
