import type { Middleware } from 'koa';
import type { MikroORM } from '@mikro-orm/postgresql';

/** A fresh EntityManager fork per request (identity map scoped to the request); the webhook routes run before it. */
export function entityManager(options: { orm: MikroORM }): Middleware {
  return async function entityManagerMiddleware(ctx, next) {
    ctx.state.em = options.orm.em.fork();
    await next();
  };
}
