import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

/** GET /api/v1/providers — built-in catalog plus this tenant's custom providers. */
export async function listProviders(ctx: AppContext): Promise<void> {
  ok(ctx, await ctx.deps.providers.catalog(ctx.state.em, tenantIdOf(ctx)));
}
