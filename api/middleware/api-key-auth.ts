import type { Context, Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticateApiKey, LastUsedWriter, type KeyedIntegration } from '../../db/repositories/api-keys.repository.ts';
import type { TokenCache } from '../../db/token-cache.ts';
import { unauthorized } from '../../lib/errors.ts';
import { sha256Hex } from '../../lib/hash.ts';

const MAX_CACHED_KEYS = 10_000;

/**
 * Valid API keys an API process remembers for `cacheMs`, by their SHA-256 (sparing the database a query on
 * hot paths such as the token API). A revocation through this process drops the key at once; other API
 * processes notice within `cacheMs`.
 */
export class ApiKeyCache {
  readonly cacheMs: number;
  readonly #entries = new Map<string, { tenantId: string; apiKeyId: string; until: number }>();

  constructor(cacheMs: number) {
    this.cacheMs = cacheMs;
  }

  get(digest: string): { tenantId: string; apiKeyId: string } | undefined {
    const entry = this.#entries.get(digest);
    return entry && entry.until > Date.now() ? entry : undefined;
  }

  set(digest: string, value: { tenantId: string; apiKeyId: string }): void {
    if (this.cacheMs <= 0) return;
    if (this.#entries.size >= MAX_CACHED_KEYS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(digest, { ...value, until: Date.now() + this.cacheMs });
  }

  delete(digest: string): void {
    this.#entries.delete(digest);
  }

  /** Forgets a key by id (revoked). */
  forget(apiKeyId: string): void {
    for (const [digest, entry] of this.#entries) if (entry.apiKeyId === apiKeyId) this.#entries.delete(digest);
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

/** Bearer API-key auth: resolves ctx.state.tenant or answers 401 (missing, malformed, unknown or revoked key). */
export function apiKeyAuth(options: { orm: MikroORM; cache: ApiKeyCache }): Middleware {
  const { cache } = options;
  const lastUsed = new LastUsedWriter();
  return async function apiKeyAuthMiddleware(ctx, next) {
    // Both routers under /api/v1 (api/router.ts: the proxy's and the JSON API's) mount this middleware, and a
    // request to the second passes through the first's: authenticate once per request.
    if (ctx.state.tenant) return next();
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'The Authorization header must be "Bearer <api key>".' : undefined);
    const digest = cache.cacheMs > 0 ? sha256Hex(match[1]!) : '';
    const cached = digest ? cache.get(digest) : undefined;
    if (cached) {
      ctx.state.tenant = { id: cached.tenantId, apiKeyId: cached.apiKeyId };
      return next();
    }
    const integrationId = ctx.method === 'GET' ? TOKEN_ROUTE.exec(ctx.path)?.[1] : undefined;
    const tokens = (ctx.deps as { tokens?: TokenCache } | undefined)?.tokens;
    const readAt = tokens?.generation() ?? 0;
    const key = await authenticateApiKey(ctx.state.em ?? options.orm.em.fork(), match[1]!, {
      integrationId: tokens ? integrationId : undefined,
      lastUsed,
    });
    if (!key) {
      if (digest) cache.delete(digest);
      throw unauthorized('The API key is invalid or has been revoked.');
    }
    if (digest) cache.set(digest, { tenantId: key.tenantId, apiKeyId: key.id });
    ctx.state.tenant = { id: key.tenantId, apiKeyId: key.id };
    if (key.integration !== undefined) prefetched.set(ctx, { row: key.integration, readAt });
    await next();
  };
}
