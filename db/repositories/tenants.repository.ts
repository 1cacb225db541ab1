import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant } from '../entities/index.ts';

export async function createTenant(em: EntityManager, name: string): Promise<Tenant> {
  const tenant = em.create(Tenant, { name });
  await em.flush();
  return tenant;
}

export async function findTenant(em: EntityManager, id: string): Promise<Tenant | null> {
  return em.findOne(Tenant, { id });
}

/** How a tenant presents itself on the connect page. */
export interface Branding {
  displayName: string;
  logoUrl: string | null;
  accentColor: string | null;
}

export interface BrandingPatch {
  displayName?: string | null;
  logoUrl?: string | null;
  accentColor?: string | null;
}

export function brandingOf(tenant: Tenant): Branding {
  return { displayName: tenant.brandDisplayName ?? tenant.name, logoUrl: tenant.brandLogoUrl ?? null, accentColor: tenant.brandAccentColor ?? null };
}

/** Applies a branding change (null clears a field: the display name falls back to the tenant's name). */
export async function updateBranding(em: EntityManager, tenantId: string, patch: BrandingPatch): Promise<Tenant> {
  const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
  if (patch.displayName !== undefined) tenant.brandDisplayName = patch.displayName;
  if (patch.logoUrl !== undefined) tenant.brandLogoUrl = patch.logoUrl;
  if (patch.accentColor !== undefined) tenant.brandAccentColor = patch.accentColor?.toLowerCase() ?? null;
  await em.flush();
  return tenant;
}
