import { findTenant } from '../../../../../db/repositories/tenants.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

/** GET /api/v1/me — the tenant the API key belongs to (or the user session acts on). */
export async function getMe(ctx: AppContext): Promise<void> {
  const tenant = await findTenant(ctx.state.em, tenantIdOf(ctx));
  if (!tenant) throw notFound('Tenant');
  ok(ctx, { tenantId: tenant.id, name: tenant.name, apiKeyId: ctx.state.tenant!.apiKeyId ?? null });
}
