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
