import type { Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticateApiKey } from '../../db/repositories/api-keys.repository.ts';
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

/** Bearer API-key auth: resolves ctx.state.tenant or answers 401 (missing, malformed, unknown or revoked key). */
export function apiKeyAuth(options: { orm: MikroORM; cache: ApiKeyCache }): Middleware {
  const { cache } = options;
  return async function apiKeyAuthMiddleware(ctx, next) {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'The Authorization header must be "Bearer <api key>".' : undefined);
    const digest = cache.cacheMs > 0 ? sha256Hex(match[1]!) : '';
    const cached = digest ? cache.get(digest) : undefined;
    if (cached) {
      ctx.state.tenant = { id: cached.tenantId, apiKeyId: cached.apiKeyId };
      return next();
    }
    const key = await authenticateApiKey(ctx.state.em ?? options.orm.em.fork(), match[1]!);
    if (!key) {
      if (digest) cache.delete(digest);
      throw unauthorized('The API key is invalid or has been revoked.');
    }
    if (digest) cache.set(digest, { tenantId: key.tenantId, apiKeyId: key.id });
    ctx.state.tenant = { id: key.tenantId, apiKeyId: key.id };
    await next();
  };
}
