import { z } from 'zod';
import { INTEGRATION_STATUSES } from '../../../../../db/entities/index.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { cursor, limit, providerKey } from '../../../../validation.ts';
import { presentIntegration } from '../../../present.ts';

export const query = z.object({ status: z.enum(INTEGRATION_STATUSES).optional(), provider: providerKey.optional(), cursor: cursor.optional(), limit }).strict();

/** GET /api/v1/integrations?status&provider&cursor&limit */
export async function listIntegrations(ctx: AppContext): Promise<void> {
  const q = query.parse(ctx.query);
  const repo = integrationsOf(ctx);
  const page = await repo.list(q);
  const authorizing = await repo.authorizationExpiries(page.items);
  ok(
    ctx,
    page.items.map((i) => presentIntegration(i, repo, ctx.deps.env, authorizing.get(i.id) ?? null)),
  );
  ctx.body = { ...(ctx.body as object), nextCursor: page.nextCursor };
}
