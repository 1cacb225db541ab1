import { findTenant } from '../../../../../db/repositories/tenants.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

/** GET /api/v1/me — the tenant the API key belongs to (or the user session acts on), and the key's scope. */
export async function getMe(ctx: AppContext): Promise<void> {
  const tenant = await findTenant(ctx.state.em, tenantIdOf(ctx));
  if (!tenant) throw notFound('Tenant');
  const apiKeyId = ctx.state.tenant!.apiKeyId ?? null;
  // A key's scope (api/middleware/api-key-auth.ts: read_only keys act as viewers), so a client need not list the keys.
  const scope = apiKeyId ? (ctx.state.role === 'viewer' ? 'read_only' : 'full') : null;
  ok(ctx, { tenantId: tenant.id, name: tenant.name, apiKeyId, scope });
}
