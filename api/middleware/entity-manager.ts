import type { Middleware } from 'koa';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/**
 * A fresh EntityManager fork per request (identity map scoped to the request), made on first use: the
 * webhook endpoint and health checks never touch it, and a fork costs a few microseconds.
 */
export function entityManager(options: { orm: MikroORM }): Middleware {
  return async function entityManagerMiddleware(ctx, next) {
    let em: EntityManager | undefined;
    Object.defineProperty(ctx.state, 'em', {
      get: () => (em ??= options.orm.em.fork()),
      set: (value: EntityManager) => (em = value),
      enumerable: true,
      configurable: true,
    });
    await next();
  };
}
