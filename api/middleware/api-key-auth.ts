import type { Context, Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ApiKeyScope } from '../../db/entities/index.ts';
import { authenticateApiKey, LastUsedWriter, type KeyedIntegration } from '../../db/repositories/api-keys.repository.ts';
import { checkSession } from '../../db/repositories/team.repository.ts';
import { listen } from '../../db/notifications.ts';
import type { TokenCache } from '../../db/token-cache.ts';
import { SESSION_TOKEN } from '../../lib/auth/tokens.ts';
import { AppError, badRequest, unauthorized } from '../../lib/errors.ts';
import { sha256Hex } from '../../lib/hash.ts';
import type { Logger } from '../../lib/logger.ts';
import type { AppState } from '../context.ts';

const MAX_CACHED_KEYS = 10_000;

/** The channel the `api_key_changed` / `api_key_deleted` triggers notify, with the key id. */
export const API_KEY_CHANGED_CHANNEL = 'plugboard_api_key_changed';

/** `last_used_at` has a minute's resolution (db/repositories/api-keys.repository.ts): a cached key records a use at most that often. */
const LAST_USED_EVERY_MS = 60_000;

interface CachedKey {
  tenantId: string;
  apiKeyId: string;
  name: string;
  scope: ApiKeyScope;
}

/** The tenant a user session acts on (`Authorization: Bearer pbs_…`); API keys carry their own tenant. */
export const TENANT_HEADER = 'x-plugboard-tenant';
const TENANT_ID = /^ten_[0-9a-z]{26}$/;

/**
 * Valid API keys an API process remembers, by their SHA-256, so a hot path such as the token API reads no key row.
 * PostgreSQL keeps it correct, not the TTL (the token cache's scheme, db/token-cache.ts):
 *   - a trigger NOTIFies `plugboard_api_key_changed` with the key id when a key is revoked, its scope, name, tenant
 *     or secret change, or it is deleted (db/migrations/Migration20261204100000_api_key_notify.ts); every API
 *     process LISTENs and forgets that key on the writer's commit;
 *   - while the LISTEN connection is down nothing is served from memory, and the cache is emptied on reconnect;
 *   - a key read from the database is not cached when any invalidation arrived while it was being read (revocations
 *     are rare: one stamp for all keys is enough);
 *   - `ttlMs` bounds an entry's life anyway (PLUGBOARD_API_KEY_CACHE_MS), and MAX_CACHED_KEYS their count.
 * A revocation through this process also drops the key at once, before the NOTIFY comes back.
 */
export class ApiKeyCache {
  readonly cacheMs: number;
  readonly #entries = new Map<string, CachedKey & { until: number; usedAt: number }>();
  readonly #listener: { close: () => Promise<void> } | undefined;
  #listening: boolean;
  /** Increases with every invalidation or flush; a read taken before the latest one is not cached. */
  #stamp = 0;

  /** Without `databaseUrl` (unit use) nothing invalidates entries but the TTL and `forget`. */
  constructor(options: { ttlMs: number; databaseUrl?: string; logger?: Logger }) {
    this.cacheMs = options.ttlMs;
    this.#listening = !options.databaseUrl;
    if (this.cacheMs <= 0 || !options.databaseUrl || !options.logger) return;
    this.#listener = listen({
      databaseUrl: options.databaseUrl,
      channel: API_KEY_CHANGED_CHANNEL,
      logger: options.logger,
      onNotify: (id) => {
        if (id) return this.forget(id);
        // (Re)connected: whatever changed while nobody listened is unknown.
        this.#flush();
        this.#listening = true;
      },
      onDown: () => {
        this.#listening = false;
        this.#flush();
      },
    });
  }

  get(digest: string): CachedKey | undefined {
    if (!this.#listening) return undefined;
    const entry = this.#entries.get(digest);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.#entries.delete(digest);
      return undefined;
    }
    return entry;
  }

  /** Taken before reading a key from the database; hand it back to `set`. */
  generation(): number {
    return this.#stamp;
  }

  /** Caches a key read since `generation()` returned `readAt`, unless a key was invalidated since. */
  set(digest: string, value: CachedKey, readAt: number): void {
    if (this.cacheMs <= 0 || !this.#listening || readAt !== this.#stamp) return;
    if (this.#entries.size >= MAX_CACHED_KEYS) this.#entries.delete(this.#entries.keys().next().value!);
    const now = Date.now();
    this.#entries.set(digest, { ...value, until: now + this.cacheMs, usedAt: now });
  }

  /**
   * True at most once a LAST_USED_EVERY_MS per cached key: the caller records a use then, so `last_used_at` stays
   * current for keys that never leave the cache.
   */
  useDue(digest: string): boolean {
    const entry = this.#entries.get(digest);
    const now = Date.now();
    if (!entry || now - entry.usedAt < LAST_USED_EVERY_MS) return false;
    entry.usedAt = now;
    return true;
  }

  delete(digest: string): void {
    this.#entries.delete(digest);
  }

  /** Forgets a key by id (revoked, changed or deleted), here or, through the NOTIFY, in another process. */
  forget(apiKeyId: string): void {
    this.#stamp++;
    for (const [digest, entry] of this.#entries) if (entry.apiKeyId === apiKeyId) this.#entries.delete(digest);
  }

  /** The LISTEN connection is up (while it is not, nothing is served from memory). */
  get listening(): boolean {
    return this.#listening;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Resolves once the LISTEN connection is up (tests; the cache is bypassed until then). */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.#listening && this.cacheMs > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.#listening;
  }

  async close(): Promise<void> {
    this.#listening = false;
    this.#flush();
    await this.#listener?.close();
  }

  #flush(): void {
    this.#stamp++;
    this.#entries.clear();
  }
}

/** The token API's path (api/router.ts): on a key-cache miss its integration is read in the key's query. */
const TOKEN_ROUTE = /^\/api\/v1\/integrations\/([A-Za-z0-9_-]{1,64})\/token$/;

/** An integration row read with the API key, and the token cache's generation taken before that read. */
export interface PrefetchedIntegration {
  row: KeyedIntegration | null;
  readAt: number;
}
const prefetched = new WeakMap<Context, PrefetchedIntegration>();

/**
 * The integration `id` as the API-key query of this request read it (the token API's miss path: one round trip
 * for the key and the row), or undefined when the key came from the cache (the handler then reads the row).
 * `row` null: no such integration in the key's tenant.
 */
export function prefetchedIntegration(ctx: Context, id: string): PrefetchedIntegration | undefined {
  const found = prefetched.get(ctx);
  return found && (found.row === null || found.row.id === id) ? found : undefined;
}

/** What a full or read-only key may do: it acts as an admin or a viewer (api/authorization.ts). */
function principalOfKey(state: AppState, key: CachedKey): void {
  state.tenant = { id: key.tenantId, apiKeyId: key.apiKeyId };
  state.actor = { type: 'api_key', id: key.apiKeyId, label: key.name };
  state.role = key.scope === 'read_only' ? 'viewer' : 'admin';
}

/**
 * A user session (`Bearer pbs_…`): resolves the user, and with `X-Plugboard-Tenant` their role there (403
 * not_a_member when they have none). Membership is read on every request, so a removal takes effect at once.
 * Without the header only the session routes (GET /auth/session, logout) are reachable: api/authorization.ts.
 */
export async function authenticateSession(ctx: Context & { state: AppState }, token: string, em: Parameters<typeof checkSession>[0]): Promise<void> {
  const header = ctx.get(TENANT_HEADER).trim();
  if (header && !TENANT_ID.test(header)) throw badRequest('invalid_tenant_header', 'X-Plugboard-Tenant must be a tenant id (ten_…).');
  const session = await checkSession(em, token, header || undefined);
  if (!session.ok) {
    if (session.reason === 'revoked') throw new AppError(401, 'session_revoked', 'This session was signed out; sign in again.');
    if (session.reason === 'expired') throw new AppError(401, 'session_expired', 'This session has expired; sign in again.');
    throw unauthorized('The session token is invalid; sign in again.');
  }
  ctx.state.session = { id: session.sessionId, userId: session.userId, expiresAt: session.expiresAt };
  ctx.state.actor = { type: 'user', id: session.userId, label: session.email };
  if (header) {
    if (!session.role) throw new AppError(403, 'not_a_member', 'You are not a member of this tenant.');
    ctx.state.tenant = { id: header };
    ctx.state.role = session.role;
  }
}

/**
 * Bearer auth: an API key (`pbk_…`) or a user session (`pbs_…` + X-Plugboard-Tenant). Resolves the principal —
 * ctx.state.tenant, actor and role — or answers 401 (missing, malformed, unknown, revoked or expired).
 */
export function apiKeyAuth(options: { orm: MikroORM; cache: ApiKeyCache }): Middleware {
  const { cache } = options;
  const lastUsed = new LastUsedWriter();
  return async function apiKeyAuthMiddleware(ctx, next) {
    // Both routers under /api/v1 (api/router.ts: the proxy's and the JSON API's) mount this middleware, and a
    // request to the second passes through the first's: authenticate once per request.
    if (ctx.state.actor) return next();
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'The Authorization header must be "Bearer <api key>".' : undefined);
    if (SESSION_TOKEN.test(match[1]!)) {
      await authenticateSession(ctx as Context & { state: AppState }, match[1]!, ctx.state.em ?? options.orm.em.fork());
      return next();
    }
    const digest = cache.cacheMs > 0 ? sha256Hex(match[1]!) : '';
    const cached = digest ? cache.get(digest) : undefined;
    if (cached) {
      if (cache.useDue(digest)) lastUsed.record(options.orm.em, cached.apiKeyId);
      principalOfKey(ctx.state as AppState, cached);
      return next();
    }
    const integrationId = ctx.method === 'GET' ? TOKEN_ROUTE.exec(ctx.path)?.[1] : undefined;
    const tokens = (ctx.deps as { tokens?: TokenCache } | undefined)?.tokens;
    const readAt = tokens?.generation() ?? 0;
    const keysReadAt = cache.generation();
    const key = await authenticateApiKey(ctx.state.em ?? options.orm.em.fork(), match[1]!, {
      integrationId: tokens ? integrationId : undefined,
      lastUsed,
    });
    if (!key) {
      if (digest) cache.delete(digest);
      throw unauthorized('The API key is invalid or has been revoked.');
    }
    const principal = { tenantId: key.tenantId, apiKeyId: key.id, name: key.name, scope: key.scope };
    if (digest) cache.set(digest, principal, keysReadAt);
    principalOfKey(ctx.state as AppState, principal);
    if (key.integration !== undefined) prefetched.set(ctx, { row: key.integration, readAt });
    await next();
  };
}
