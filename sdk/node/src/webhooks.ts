import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { TenantEvent } from './schema.ts';

export { WebhookVerificationError };

/** Request headers as Node (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

function plainHeaders(headers: HeadersLike): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, key) => (out[key.toLowerCase()] = value));
    return out;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Verifies a Standard Webhooks signature (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`)
 * over the raw request body with the `standardwebhooks` reference library, and returns the parsed JSON body.
 * `secrets`: one `whsec_…` secret, or several during a rotation (any one verifying is enough).
 * Throws `WebhookVerificationError` when no secret verifies it. Pass the body exactly as received (not re-serialised).
 */
export function verifyWebhook<T = unknown>(rawBody: string | Buffer | Uint8Array, headers: HeadersLike, secrets: string | string[]): T {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  if (!list.length) throw new TypeError('verifyWebhook: give at least one secret');
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody);
  const plain = plainHeaders(headers);
  let last: unknown;
  for (const secret of list) {
    try {
      return new Webhook(secret).verify(body, plain) as T;
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** A Plugboard lifecycle event delivered to an event endpoint, verified with the endpoint's secret(s). */
export function verifyEvent(rawBody: string | Buffer | Uint8Array, headers: HeadersLike, secrets: string | string[]): TenantEvent & { id: string } {
  const event = verifyWebhook<TenantEvent>(rawBody, headers, secrets);
  return { ...event, id: plainHeaders(headers)['webhook-id']! };
}

/**
 * A provider webhook Plugboard forwarded to an integration's `settings.forwardUrl`, signed with its forwarding secret
 * (`integrations.rotateForwardingSecret`).
 */
export interface ForwardedWebhook<T = unknown> {
  /** Plugboard's event id (also the `webhook-id` header). */
  id: string;
  /** The provider's event type, when it names one. */
  type: string | null;
  provider: string;
  integrationId: string;
  createdAt: string;
  /** The provider's payload. */
  data: T;
}

export function verifyForwardedWebhook<T = unknown>(
  rawBody: string | Buffer | Uint8Array,
  headers: HeadersLike,
  secrets: string | string[],
): ForwardedWebhook<T> {
  return verifyWebhook<ForwardedWebhook<T>>(rawBody, headers, secrets);
}
