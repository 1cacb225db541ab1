import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AuditEntry } from '../../../../../db/entities/index.ts';
import { listAudit, type AuditFilter } from '../../../../../db/repositories/audit.repository.ts';
import { tenantIdOf, type AppContext } from '../../../../context.ts';
import { limit } from '../../../../validation.ts';

const filters = {
  actor: z.string().trim().min(1).max(255).optional(),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]*)?$/, 'an action such as integration.create, or a prefix such as integration.')
    .optional(),
  targetType: z
    .string()
    .regex(/^[a-z_]{1,40}$/, 'a target type such as integration')
    .optional(),
  targetId: z.string().trim().min(1).max(255).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};
export const auditQuery = z
  .object({
    ...filters,
    cursor: z
      .string()
      .regex(/^aud_[0-9a-z]{26}$/, 'not a cursor returned by this API')
      .optional(),
    limit,
  })
  .strict();
export const auditExportQuery = z.object({ ...filters, format: z.enum(['ndjson', 'csv']).default('ndjson') }).strict();

const EXPORT_MAX_ROWS = 100_000;
const EXPORT_PAGE = 1000;

function toFilter(q: { actor?: string; action?: string; targetType?: string; targetId?: string; since?: string; until?: string }): AuditFilter {
  return { ...q, since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined };
}

export function presentAuditEntry(e: AuditEntry) {
  return {
    id: e.id,
    at: e.at,
    actor: { type: e.actorType, id: e.actorId ?? null, label: e.actorLabel ?? null },
    action: e.action,
    target: { type: e.targetType ?? null, id: e.targetId ?? null },
    ip: e.ip ?? null,
    userAgent: e.userAgent ?? null,
    details: e.details ?? null,
  };
}

/** GET /api/v1/audit-log?actor&action&targetType&targetId&since&until&cursor&limit — newest first (admins and owners). */
export async function listAuditLog(ctx: AppContext): Promise<void> {
  const q = auditQuery.parse(ctx.query);
  const { entries, nextCursor } = await listAudit(ctx.state.em, tenantIdOf(ctx), { ...toFilter(q), cursor: q.cursor }, q.limit);
  ctx.body = { data: entries.map(presentAuditEntry), nextCursor };
}

const CSV_COLUMNS = ['id', 'at', 'actorType', 'actorId', 'actorLabel', 'action', 'targetType', 'targetId', 'ip', 'userAgent', 'details'] as const;
function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ''
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  // A cell a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * GET /api/v1/audit-log/export?format=ndjson|csv&<filters> — every matching entry (up to 100,000), newest first, as a
 * download. The body is streamed a page (1,000 entries) at a time, read as the client takes it: memory stays at one
 * page however long the trail. The filters are checked before the answer starts; a database failure mid-way ends
 * the download early (logged), as a truncated file.
 */
export async function exportAuditLog(ctx: AppContext): Promise<void> {
  const q = auditExportQuery.parse(ctx.query);
  const tenantId = tenantIdOf(ctx);
  const filter = toFilter(q);
  const { orm, logger } = ctx.deps;
  const requestId = ctx.state.requestId;
  async function* lines(): AsyncGenerator<string> {
    if (q.format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    let cursor: string | undefined;
    for (let rows = 0; rows < EXPORT_MAX_ROWS;) {
      // A fresh EntityManager per page: the request's may be gone by the time the client reads on.
      const page = await listAudit(orm.em.fork(), tenantId, { ...filter, cursor }, Math.min(EXPORT_PAGE, EXPORT_MAX_ROWS - rows));
      let chunk = '';
      for (const e of page.entries) {
        chunk += q.format === 'csv' ? `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\n` : `${JSON.stringify(presentAuditEntry(e))}\n`;
      }
      if (chunk) yield chunk;
      rows += page.entries.length;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  const body = Readable.from(lines());
  body.on('error', (error) => logger.error({ err: error, requestId }, 'audit export ended early'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Disposition', `attachment; filename="plugboard-audit-${stamp}.${q.format === 'csv' ? 'csv' : 'ndjson'}"`);
  ctx.type = q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
  ctx.body = body;
}
