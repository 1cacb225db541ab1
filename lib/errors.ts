/** Typed application errors; one middleware (api/middleware/errors.ts) turns them into HTTP. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Whether `message` may be shown to the caller. 5xx messages never are. */
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.details = options.details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, { details });
export const unauthorized = (message = 'Missing or invalid API key. Send Authorization: Bearer <api key>.') => new AppError(401, 'unauthorized', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const unavailable = (code: string, message: string, cause?: unknown) => new AppError(503, code, message, { cause });

/** Thrown by the vault when a ciphertext cannot be authenticated (tampered, moved or wrong key). */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}
