// Docs: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
import { anySignatureMatches, cachedKey, hmac, withinReplayWindow } from '../hmac.ts';
import { parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

/** Standard Webhooks `whsec_<base64>` secret → key bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** `v1,<base64 HMAC(key, id.ts.body)>` (C.7); also signs what Plugboard forwards. */
export function signStandardWebhook(body: string | Buffer, secret: string, id: string, timestamp: number): string {
  return `v1,${hmac(cachedKey(secret, standardWebhooksKey), 'base64', `${id}.${timestamp}.`, body)}`;
}

/** Space-separated signature list, ±5 min; the id must not contain `.` (it is part of the signed content). */
export function verifyStandardWebhook(
  body: Buffer,
  headers: { id?: string; timestamp?: string; signature?: string },
  secrets: string[],
  nowSeconds: number,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !signature || /[.\s]/.test(id) || withinReplayWindow(timestamp, nowSeconds) === null) return false;
  const candidates = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
  return anySignatureMatches(secrets, candidates, (secret) => signStandardWebhook(body, secret, id, Number(timestamp)).slice(3));
}

export const standardWebhooksScheme: WebhookSchemeModule<{ secrets: string[] }> = {
  // Per-integration URLs only: the payload names no account.
  accountKey: null,
  expectations: (source) => ({ secrets: source.secrets }),
  verify({ body, headers, nowSeconds }, { secrets }) {
    if (!secrets.length) return rejected('no webhook secret configured');
    const signed = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] };
    if (!verifyStandardWebhook(body, signed, secrets, nowSeconds)) return rejected('bad standard-webhooks signature or stale timestamp');
    return { kind: 'event', deliveryId: signed.id!, eventType: text(parseJson(body), 'type') ?? 'event', route: {} };
  },
  // The sandbox's item events only say "something changed"; records.changed is Plugboard's own sync output.
  actionFor: (eventType) => (/^(item|records)\./.test(eventType) && eventType !== 'records.changed' ? 'sync_hint' : 'none'),
};
