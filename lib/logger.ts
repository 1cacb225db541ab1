import { pino, type Logger } from 'pino';
import { env } from './env.ts';

/**
 * Keys whose values never reach a log line (docs/security.md REQ-19), matched case-insensitively
 * at any depth: headers, bodies, error objects and their causes.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'client_secret',
  'clientSecret',
  'code',
  'code_verifier',
  'codeVerifier',
  'state',
  'token',
  'apiKey',
  'x-slack-signature',
  'x-hub-signature-256',
  'stripe-signature',
  'webhook-signature',
  'x-goog-channel-token',
  'x-notion-signature',
  'verification_token',
  'validationToken',
  'webhookSecret',
  'secrets',
  'password',
  'clientState',
];
const SECRET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));
export const CENSOR = '[redacted]';
/** What replaces an object nested deeper than MAX_DEPTH, and an object that contains itself. */
export const TRUNCATED = '[Truncated]';
export const CIRCULAR = '[Circular]';
const MAX_DEPTH = 8;

/**
 * A copy of `value` with every secret key's value replaced (the input is never changed; untouched branches
 * are shared). Errors are serialized first (pino's err serializer), so their own properties and causes are
 * scrubbed too. An object deeper than MAX_DEPTH is replaced by TRUNCATED, never passed on unscrubbed, and an
 * object met again among its own ancestors by CIRCULAR. This replaces pino's `redact` paths: @pinojs/redact
 * costs ≈1 µs per path per line, ≈85–126 µs for the wildcard paths this list needs at three depths, against
 * ≈1–2 µs here for a typical line.
 */
export function scrub(value: unknown, depth = 0, ancestors: object[] = []): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (depth > MAX_DEPTH) return TRUNCATED;
  if (ancestors.includes(value)) return CIRCULAR;
  if (value instanceof Error) return scrub(pino.stdSerializers.err(value), depth, ancestors);
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = scrub(value[i], depth + 1, ancestors);
        if (next !== value[i]) (out ??= value.slice())[i] = next;
      }
      return out ?? value;
    }
    let out: Record<string, unknown> | undefined;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const current = (value as Record<string, unknown>)[key];
      const next = SECRET.has(key.toLowerCase()) ? CENSOR : scrub(current, depth + 1, ancestors);
      if (next !== current) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
    }
    return out ?? value;
  } finally {
    ancestors.pop();
  }
}

export function createLogger(options: { name?: string; level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const logger = pino(
    {
      name: options.name ?? 'plugboard',
      level: options.level ?? env().LOG_LEVEL,
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      // Serializers run after the formatter, which has already turned a logged error into a scrubbed plain
      // object; pino's default err serializer would only serialize that object again.
      serializers: { err: (err: unknown) => err },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination as pino.DestinationStream | undefined,
  );
  // pino applies no formatter to a child's bindings: scrub them on the way in. Children inherit this
  // method through the prototype chain, so grandchildren are covered too.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrub(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}

export type { Logger };
