import { z } from 'zod';
import { brandingOf, findTenant, updateBranding } from '../../../../../db/repositories/tenants.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

/** An https image URL without credentials: the connect page shows it with no referrer and allows only its origin (img-src). */
const logoUrl = z
  .url({ protocol: /^https$/, error: 'logoUrl must be an https URL' })
  .max(2000)
  .refine((u) => {
    const url = new URL(u);
    return !url.username && !url.password;
  }, 'logoUrl must not contain a user name or password');

export const body = z
  .object({
    displayName: z.string().trim().min(1, 'displayName must not be empty (null resets it to the tenant name)').max(100).nullable(),
    logoUrl: logoUrl.nullable(),
    accentColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'accentColor must be a colour as #rrggbb')
      .nullable(),
  })
  .partial()
  .strict();

function present(tenant: Parameters<typeof brandingOf>[0]) {
  return { ...brandingOf(tenant), tenantName: tenant.name };
}

/** GET /api/v1/branding — how the connect page presents this tenant. */
export async function getBrandingRoute(ctx: AppContext): Promise<void> {
  const tenant = await findTenant(ctx.state.em, tenantIdOf(ctx));
  if (!tenant) throw notFound('Tenant');
  ok(ctx, present(tenant));
}

/** PATCH /api/v1/branding `{ displayName?, logoUrl?, accentColor? }` — null clears a field. */
export async function updateBrandingRoute(ctx: AppContext): Promise<void> {
  const patch = body.parse(ctx.request.body ?? {});
  ok(ctx, present(await updateBranding(ctx.state.em, tenantIdOf(ctx), patch)));
}
