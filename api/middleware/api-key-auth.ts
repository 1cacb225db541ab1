import type { Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticateApiKey } from '../../db/repositories/api-keys.repository.ts';
import { unauthorized } from '../../lib/errors.ts';
import { sha256Hex } from '../../lib/hash.ts';

const MAX_CACHED_KEYS = 10_000;

/**
 * Bearer API-key auth: resolves ctx.state.tenant or answers 401 (missing, malformed, unknown or revoked
 * key). Valid keys are remembered for `cacheMs` (by their SHA-256), sparing the database a query on hot
 * paths such as the token API; a revocation therefore takes up to `cacheMs` to reach every API process.
 */
export function apiKeyAuth(options: { orm: MikroORM; cacheMs: number }): Middleware {
  const cache = new Map<string, { tenantId: string; apiKeyId: string; until: number }>();
  return async function apiKeyAuthMiddleware(ctx, next) {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'The Authorization header must be "Bearer <api key>".' : undefined);
    const digest = options.cacheMs > 0 ? sha256Hex(match[1]!) : '';
    const cached = digest ? cache.get(digest) : undefined;
    if (cached && cached.until > Date.now()) {
      ctx.state.tenant = { id: cached.tenantId, apiKeyId: cached.apiKeyId };
      return next();
    }
    const key = await authenticateApiKey(ctx.state.em ?? options.orm.em.fork(), match[1]!);
    if (!key) {
      if (digest) cache.delete(digest);
      throw unauthorized('The API key is invalid or has been revoked.');
    }
    if (digest) {
      if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
      cache.set(digest, { tenantId: key.tenantId, apiKeyId: key.id, until: Date.now() + options.cacheMs });
    }
    ctx.state.tenant = { id: key.tenantId, apiKeyId: key.id };
    await next();
  };
}
