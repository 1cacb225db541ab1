import type { Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticateApiKey } from '../../db/repositories/api-keys.repository.ts';
import { unauthorized } from '../../lib/errors.ts';

/** Bearer API-key auth: resolves ctx.state.tenant or answers 401 (missing, malformed, unknown or revoked key). */
export function apiKeyAuth(options: { orm: MikroORM }): Middleware {
  return async function apiKeyAuthMiddleware(ctx, next) {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header ? 'The Authorization header must be "Bearer <api key>".' : undefined);
    const key = await authenticateApiKey(ctx.state.em ?? options.orm.em.fork(), match[1]!);
    if (!key) throw unauthorized('The API key is invalid or has been revoked.');
    ctx.state.tenant = { id: key.tenantId, apiKeyId: key.id };
    await next();
  };
}
