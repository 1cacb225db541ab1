import { randomBytes } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../lib/errors.ts';
import { safeEqual, sha256Hex } from '../../lib/hash.ts';
import { ApiKey, Tenant } from '../entities/index.ts';

const KEY_PATTERN = /^pbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates a key; the plaintext is returned once and only its SHA-256 hash is stored. */
export async function createApiKey(em: EntityManager, tenantId: string, name: string): Promise<{ apiKey: ApiKey; plaintext: string }> {
  const prefix = randomBytes(12).toString('hex').slice(0, 12);
  const plaintext = `pbk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const apiKey = em.create(ApiKey, { tenantId, name, prefix, hash: sha256Hex(plaintext) });
  await em.flush();
  return { apiKey, plaintext };
}

/** The active key matching a presented bearer value, or null (malformed, unknown, revoked or wrong secret). */
export async function authenticateApiKey(em: EntityManager, presented: string): Promise<ApiKey | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const key = await em.findOne(ApiKey, { prefix: match[1]! });
  if (!key || key.revokedAt || !safeEqual(key.hash, sha256Hex(presented))) return null;
  const now = new Date();
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: now });
  }
  return key;
}

export async function listApiKeys(em: EntityManager, tenantId: string): Promise<ApiKey[]> {
  return em.find(ApiKey, { tenantId }, { orderBy: { createdAt: 'asc' } });
}

/** Active (unrevoked) keys a tenant may hold at once. */
export const MAX_ACTIVE_API_KEYS = 50;

/** Like createApiKey, for a tenant's own request: refused beyond MAX_ACTIVE_API_KEYS (409). */
export async function createTenantApiKey(em: EntityManager, tenantId: string, name: string): Promise<{ apiKey: ApiKey; plaintext: string }> {
  // Counted under the tenant row lock (as revocations are), so concurrent creates cannot pass the cap together.
  return em.transactional(async (tem) => {
    await tem.findOne(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const active = await tem.count(ApiKey, { tenantId, revokedAt: null });
    if (active >= MAX_ACTIVE_API_KEYS) throw conflict('too_many_api_keys', `A tenant can hold ${MAX_ACTIVE_API_KEYS} active API keys; revoke one first.`);
    return createApiKey(tem, tenantId, name);
  });
}

/**
 * Revokes by key id or prefix, within the tenant. With `keepOne`, the tenant's last active key is refused
 * (409): revoking it over the API would lock the tenant out (the CLI, run by an operator, may).
 * The tenant row is locked, so two concurrent revocations cannot both pass the check.
 */
export async function revokeApiKey(em: EntityManager, tenantId: string, idOrPrefix: string, options: { keepOne?: boolean } = {}): Promise<ApiKey> {
  return em.transactional(async (tem) => {
    await tem.findOne(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const key = await tem.findOne(ApiKey, { tenantId, $or: [{ id: idOrPrefix }, { prefix: idOrPrefix }] });
    if (!key) throw notFound('API key');
    if (!key.revokedAt && options.keepOne && (await tem.count(ApiKey, { tenantId, revokedAt: null, id: { $ne: key.id } })) === 0) {
      throw conflict('last_api_key', "This is the tenant's last active API key: create another one before revoking it.");
    }
    key.revokedAt ??= new Date();
    return key;
  });
}
