import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { AppError } from '../../lib/errors.ts';

/**
 * Parses a JSON request body (only on methods that carry one) into ctx.request.body, within `limit` bytes.
 * Webhook routes do not use this: they verify the raw bytes.
 */
export function jsonBody(options: { limit?: string } = {}): Middleware {
  const limit = options.limit ?? '256kb';
  return async function jsonBodyMiddleware(ctx, next) {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) || (!ctx.request.length && !ctx.get('transfer-encoding'))) {
      ctx.request.body = undefined;
      return next();
    }
    if (!ctx.is('application/json', '+json')) {
      throw new AppError(415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json');
    }
    let text: string;
    try {
      text = await getRawBody(ctx.req, { limit, encoding: 'utf8', length: ctx.request.length });
    } catch (error) {
      const e = error as { type?: string; status?: number };
      if (e.type === 'entity.too.large') throw new AppError(413, 'payload_too_large', `The request body is larger than ${limit}`);
      throw new AppError(400, 'invalid_body', 'The request body could not be read');
    }
    try {
      ctx.request.body = text.length ? JSON.parse(text) : undefined;
    } catch {
      throw new AppError(400, 'invalid_json', 'The request body is not valid JSON');
    }
    await next();
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
