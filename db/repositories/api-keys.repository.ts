import { randomBytes } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../lib/errors.ts';
import { safeEqual, sha256Hex } from '../../lib/hash.ts';
import { ApiKey, Tenant, type ApiKeyScope, type IntegrationStatus } from '../entities/index.ts';

const KEY_PATTERN = /^pbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates a key; the plaintext is returned once and only its SHA-256 hash is stored. */
export async function createApiKey(
  em: EntityManager,
  tenantId: string,
  name: string,
  scope: ApiKeyScope = 'full',
): Promise<{ apiKey: ApiKey; plaintext: string }> {
  const prefix = randomBytes(12).toString('hex').slice(0, 12);
  const plaintext = `pbk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const apiKey = em.create(ApiKey, { tenantId, name, prefix, hash: sha256Hex(plaintext), scope });
  await em.flush();
  return { apiKey, plaintext };
}

/** The token columns of an integration, read in the same query as the API key (the token API's miss path). */
export interface KeyedIntegration {
  id: string;
  tenantId: string;
  provider: string;
  status: IntegrationStatus;
  lastError?: string | null;
  /** Vault ciphertext of the token set. */
  credentials: string | null | undefined;
}

export interface AuthenticatedKey {
  id: string;
  tenantId: string;
  name: string;
  /** `read_only` acts as a viewer, `full` as an admin (api/authorization.ts). */
  scope: ApiKeyScope;
  /** With `integrationId`: that integration when it belongs to the key's tenant, else null. */
  integration?: KeyedIntegration | null;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  scope: ApiKeyScope;
  hash: string;
  revoked_at: Date | null;
  last_used_at: Date | null;
  i_id: string | null;
  i_tenant_id: string;
  i_provider: string;
  i_status: IntegrationStatus;
  i_last_error: string | null;
  i_credentials: string | null;
}

/**
 * `last_used_at` writes, taken off the request path: the ids of keys used since the last flush are written in one
 * UPDATE a second later (the column's resolution is LAST_USED_RESOLUTION_MS anyway). Before, every key's first
 * use in a minute awaited its own committed UPDATE, an fsync on the request path.
 */
export class LastUsedWriter {
  readonly #pending = new Set<string>();
  readonly #delayMs: number;
  #scheduled = false;
  #em: EntityManager | undefined;

  constructor(delayMs = 1000) {
    this.#delayMs = delayMs;
  }

  record(em: EntityManager, keyId: string): void {
    this.#pending.add(keyId);
    this.#em ??= em.fork();
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => void this.flush(), this.#delayMs).unref();
  }

  async flush(): Promise<void> {
    this.#scheduled = false;
    const ids = [...this.#pending];
    this.#pending.clear();
    if (!ids.length || !this.#em) return;
    await this.#em
      .fork()
      .getConnection()
      .execute(`update api_key set last_used_at = now() where id in (${ids.map(() => '?').join(',')})`, ids)
      .catch(() => undefined); // best effort: a lost write only leaves last_used_at a minute behind
  }
}

/**
 * The active key matching a presented bearer value, or null (malformed, unknown, revoked or wrong secret).
 * With `integrationId`, that integration's token columns come back in the same query (restricted to the key's
 * tenant): the token API's miss path is one round trip. `lastUsed` defers the `last_used_at` write (else it is
 * written before returning).
 */
export async function authenticateApiKey(
  em: EntityManager,
  presented: string,
  options: { integrationId?: string; lastUsed?: LastUsedWriter } = {},
): Promise<AuthenticatedKey | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const integrationId = options.integrationId;
  const [row] = await em.getConnection().execute<KeyRow[]>(
    integrationId === undefined
      ? `select k.id, k.tenant_id, k.name, k.scope, k.hash, k.revoked_at, k.last_used_at from api_key k where k.prefix = ?`
      : `select k.id, k.tenant_id, k.name, k.scope, k.hash, k.revoked_at, k.last_used_at, i.id as i_id, i.tenant_id as i_tenant_id,
                i.provider as i_provider, i.status as i_status, i.last_error as i_last_error, i.credentials as i_credentials
           from api_key k left join integration i on i.id = ? and i.tenant_id = k.tenant_id
          where k.prefix = ?`,
    integrationId === undefined ? [match[1]!] : [integrationId, match[1]!],
  );
  if (!row || row.revoked_at || !safeEqual(row.hash, sha256Hex(presented))) return null;
  const now = Date.now();
  if (!row.last_used_at || now - new Date(row.last_used_at).getTime() > LAST_USED_RESOLUTION_MS) {
    if (options.lastUsed) options.lastUsed.record(em, row.id);
    else await em.nativeUpdate(ApiKey, { id: row.id }, { lastUsedAt: new Date(now) });
  }
  const key: AuthenticatedKey = { id: row.id, tenantId: row.tenant_id, name: row.name, scope: row.scope };
  if (integrationId !== undefined) {
    key.integration = row.i_id
      ? {
          id: row.i_id,
          tenantId: row.i_tenant_id,
          provider: row.i_provider,
          status: row.i_status,
          lastError: row.i_last_error,
          credentials: row.i_credentials,
        }
      : null;
  }
  return key;
}

export async function listApiKeys(em: EntityManager, tenantId: string): Promise<ApiKey[]> {
  return em.find(ApiKey, { tenantId }, { orderBy: { createdAt: 'asc' } });
}

/** Active (unrevoked) keys a tenant may hold at once. */
export const MAX_ACTIVE_API_KEYS = 50;

/** Like createApiKey, for a tenant's own request: refused beyond MAX_ACTIVE_API_KEYS (409). */
export async function createTenantApiKey(
  em: EntityManager,
  tenantId: string,
  name: string,
  scope: ApiKeyScope = 'full',
): Promise<{ apiKey: ApiKey; plaintext: string }> {
  // Counted under the tenant row lock (as revocations are), so concurrent creates cannot pass the cap together.
  return em.transactional(async (tem) => {
    await tem.findOne(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const active = await tem.count(ApiKey, { tenantId, revokedAt: null });
    if (active >= MAX_ACTIVE_API_KEYS) throw conflict('too_many_api_keys', `A tenant can hold ${MAX_ACTIVE_API_KEYS} active API keys; revoke one first.`);
    return createApiKey(tem, tenantId, name, scope);
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
