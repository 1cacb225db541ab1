import { isGrpcDeadlineError, isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import { AppError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { loggablePath } from './access-log.ts';

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  501: 'not_implemented',
  503: 'unavailable',
};

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    return new AppError(400, 'validation_failed', describeZodError(error), {
      details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
    });
  }
  if (isTemporalUnavailable(error)) {
    return new AppError(503, 'temporal_unavailable', 'The workflow engine (Temporal) is unavailable; retry in a moment.', { cause: error });
  }
  // http-errors from koa / bodyparser / router carry status + expose.
  const e = error as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = e.type === 'entity.parse.failed' ? 'invalid_json' : (STATUS_CODES[status] ?? 'bad_request');
    return new AppError(status, code, e.expose !== false && e.message ? e.message : 'Bad request');
  }
  return new AppError(500, 'internal_error', 'Internal server error. The error was logged with this request id.', { cause: error });
}

/** gRPC UNAVAILABLE (14) or a deadline from the Temporal client: the server cannot be reached right now. */
function isTemporalUnavailable(error: unknown): boolean {
  if (isGrpcDeadlineError(error)) return true;
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) && grpc.code === 14;
}

function describeZodError(error: ZodError): string {
  const first = error.issues[0];
  if (!first) return 'Invalid request';
  const where = first.path.length ? `${first.path.join('.')}: ` : '';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}

/** Turns every thrown error into the `{ error: { code, message } }` envelope; 5xx details never leak. */
export function errorEnvelope(options: { logger: Logger }): Middleware {
  return async function errorEnvelopeMiddleware(ctx, next) {
    try {
      await next();
      if (ctx.body === undefined && ctx.respond !== false) {
        if (ctx.status === 404) throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
        // The routers' allowedMethods() set 405 (or 501 for a method they do not know, such as TRACE) and the
        // Allow header (RFC 9110 §15.5.6); both get the envelope, as a 405.
        if (ctx.status === 405 || ctx.status === 501)
          throw new AppError(405, 'method_not_allowed', 'This method is not allowed on this path; see the Allow header.');
      }
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500) {
        options.logger.error({ err: error, requestId: ctx.state.requestId, path: loggablePath(ctx.path) }, 'request failed');
      }
      ctx.status = appError.status;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: {
          code: appError.code,
          message: appError.expose ? appError.message : 'Internal server error',
          ...(appError.expose && appError.details !== undefined ? { details: appError.details } : {}),
          requestId: ctx.state.requestId,
        },
      };
    }
  };
}
