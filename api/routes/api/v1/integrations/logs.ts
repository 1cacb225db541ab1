import { z } from 'zod';
import { listLogs } from '../../../../../db/repositories/integration-logs.repository.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { cursor, limit } from '../../../../validation.ts';
import { integrationIdParam } from './params.ts';

export const query = z.object({ cursor: cursor.optional(), limit }).strict();

/** GET /api/v1/integrations/:id/logs — newest first. */
export async function listIntegrationLogs(ctx: AppContext): Promise<void> {
  const q = query.parse(ctx.query);
  const integration = await integrationsOf(ctx).get(integrationIdParam(ctx));
  const page = await listLogs(ctx.state.em, integration.tenantId, integration.id, q);
  ok(
    ctx,
    page.items.map((l) => ({ id: l.id, kind: l.kind, level: l.level, message: l.message, createdAt: l.createdAt })),
  );
  ctx.body = { ...(ctx.body as object), nextCursor: page.nextCursor };
}
