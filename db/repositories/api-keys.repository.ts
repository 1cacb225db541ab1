import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../lib/errors.ts';
import { safeEqual, sha256Hex } from '../../lib/hash.ts';
import { ApiKey } from '../entities/index.ts';

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

/** Revokes by key id or prefix, within the tenant. */
export async function revokeApiKey(em: EntityManager, tenantId: string, idOrPrefix: string): Promise<ApiKey> {
  const key = await em.findOne(ApiKey, { tenantId, $or: [{ id: idOrPrefix }, { prefix: idOrPrefix }] });
  if (!key) throw notFound('API key');
  key.revokedAt ??= new Date();
  await em.flush();
  return key;
}
