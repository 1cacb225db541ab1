// Docs: https://docs.stripe.com/webhooks#verify-manually
import { anySignatureMatches, hmac, withinReplayWindow } from '../hmac.ts';
import { bodyHash, parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

/** Stripe: `t=…,v1=…[,v1=…]`, HMAC keyed by the whole `whsec_…` string, symmetric ±5 min (C.6). */
export function signStripe(body: string | Buffer, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, 'hex', `${timestamp}.`, body)}`;
}

export function verifyStripe(body: Buffer, header: string | undefined, secrets: string[], nowSeconds: number): boolean {
  if (!header) return false;
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') t = v;
    if (k === 'v1') v1.push(v);
  }
  if (withinReplayWindow(t, nowSeconds) === null) return false;
  return anySignatureMatches(secrets, v1, (secret) => hmac(secret, 'hex', `${t}.`, body));
}

export const stripeScheme: WebhookSchemeModule<{ secrets: string[] }> = {
  accountKey: 'externalAccountId',
  expectations: (source) => ({ secrets: source.secrets }),
  verify({ body, headers, nowSeconds }, { secrets }) {
    if (!secrets.length) return rejected('no webhook secret configured');
    if (!verifyStripe(body, headers['stripe-signature'], secrets, nowSeconds)) return rejected('bad stripe signature or stale timestamp');
    const payload = parseJson(body);
    return {
      kind: 'event',
      deliveryId: text(payload, 'id') ?? `sha256:${bodyHash(body)}`,
      eventType: text(payload, 'type') ?? 'stripe.event',
      // Connect: the connected account the event is about.
      route: { accountId: text(payload, 'account') },
    };
  },
  actionFor: () => 'none',
};
