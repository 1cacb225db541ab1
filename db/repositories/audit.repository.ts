import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { AuditEntry, type ActorType } from '../entities/index.ts';

/** The audit trail (docs/architecture.md "Team accounts"): append-only, tenant-scoped reads, keyset paging by id. */

export interface AuditRecord {
  tenantId: string | null;
  actorType: ActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Never a secret: ids, names, roles, e-mail addresses. */
  details?: Record<string, unknown> | null;
}

export async function recordAudit(em: EntityManager, record: AuditRecord): Promise<void> {
  em.create(AuditEntry, {
    tenantId: record.tenantId,
    actorType: record.actorType,
    actorId: record.actorId,
    actorLabel: record.actorLabel,
    action: record.action,
    targetType: record.targetType ?? null,
    targetId: record.targetId ?? null,
    ip: record.ip ?? null,
    userAgent: record.userAgent?.slice(0, 512) ?? null,
    details: record.details ?? null,
  });
  await em.flush();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  cursor?: string;
}

/** Newest first; `cursor` is the last id of the previous page. */
export async function listAudit(
  em: EntityManager,
  tenantId: string,
  filter: AuditFilter,
  limit: number,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const where: FilterQuery<AuditEntry> = { tenantId };
  const and: FilterQuery<AuditEntry>[] = [];
  if (filter.actor) and.push({ $or: [{ actorId: filter.actor }, { actorLabel: filter.actor.toLowerCase() }, { actorLabel: filter.actor }] });
  if (filter.action) and.push(filter.action.endsWith('.') ? { action: { $like: `${filter.action.replace(/[%_\\]/g, '\\$&')}%` } } : { action: filter.action });
  if (filter.targetType) and.push({ targetType: filter.targetType });
  if (filter.targetId) and.push({ targetId: filter.targetId });
  if (filter.since) and.push({ at: { $gte: filter.since } });
  if (filter.until) and.push({ at: { $lt: filter.until } });
  if (filter.cursor) and.push({ id: { $lt: filter.cursor } });
  if (and.length) Object.assign(where, { $and: and });
  const entries = await em.find(AuditEntry, where, { orderBy: { id: 'desc' }, limit: limit + 1 });
  const more = entries.length > limit;
  if (more) entries.pop();
  return { entries, nextCursor: more ? entries.at(-1)!.id : null };
}
