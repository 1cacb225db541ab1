import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { safeEqual } from '../hash.ts';

/**
 * Webhook signature schemes over the raw bytes (docs/security-reference.md part C), compared in constant
 * time. Each verifier takes every currently valid secret (rotation) and an injectable clock.
 */

export const REPLAY_WINDOW_SECONDS = 300;

const hmacHex = (key: string, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const hmacBase64 = (key: KeyObject, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('base64');
};

function withinWindow(timestamp: string | undefined, nowSeconds: number): number | null {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return null;
  const ts = Number(timestamp);
  return Math.abs(nowSeconds - ts) <= REPLAY_WINDOW_SECONDS ? ts : null;
}

/** Slack: `v0=` + hex HMAC(signing secret, `v0:{ts}:{body}`), ±5 min (C.1). */
export function verifySlack(body: Buffer, signature: string | undefined, timestamp: string | undefined, secrets: string[], nowSeconds: number): boolean {
  if (!signature || withinWindow(timestamp, nowSeconds) === null) return false;
  return secrets.some((s) => safeEqual(`v0=${hmacHex(s, `v0:${timestamp}:`, body)}`, signature));
}

export function signSlack(body: string | Buffer, secret: string, timestamp: number): string {
  return `v0=${hmacHex(secret, `v0:${timestamp}:`, body)}`;
}

/** GitHub: `sha256=` + hex HMAC(secret, body); no timestamp, dedupe on X-GitHub-Delivery (C.2). */
export function verifyGithub(body: Buffer, signature: string | undefined, secrets: string[]): boolean {
  if (!signature?.startsWith('sha256=')) return false;
  return secrets.some((s) => safeEqual(`sha256=${hmacHex(s, body)}`, signature));
}

export function signGithub(body: string | Buffer, secret: string): string {
  return `sha256=${hmacHex(secret, body)}`;
}

/** Stripe: `t=…,v1=…[,v1=…]`, HMAC keyed by the whole `whsec_…` string, symmetric ±5 min (C.6). */
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
  if (!v1.length || withinWindow(t, nowSeconds) === null) return false;
  return secrets.some((s) => {
    const expected = hmacHex(s, `${t}.`, body);
    return v1.some((candidate) => safeEqual(expected, candidate));
  });
}

export function signStripe(body: string | Buffer, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.`, body)}`;
}

/** Standard Webhooks `whsec_<base64>` secret → key bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

// Decoded Standard Webhooks keys by secret: a delivery then costs one HMAC, not a base64 decode and a key
// import as well (a Buffer key takes a slow conversion inside createHmac, ≈12 µs on Node 24, against ≈1 µs
// for a KeyObject). Bounded; the secrets are already in this process's memory (the verification cache).
const swKeys = new Map<string, KeyObject>();
function standardWebhooksKeyObject(secret: string): KeyObject {
  let key = swKeys.get(secret);
  if (!key) {
    if (swKeys.size >= 10_000) swKeys.clear();
    key = createSecretKey(standardWebhooksKey(secret));
    swKeys.set(secret, key);
  }
  return key;
}

/** Standard Webhooks: `v1,<base64 HMAC(key, id.ts.body)>`, space-separated list, ±5 min (C.7). */
export function verifyStandardWebhook(
  body: Buffer,
  headers: { id?: string; timestamp?: string; signature?: string },
  secrets: string[],
  nowSeconds: number,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !signature || /[.\s]/.test(id) || withinWindow(timestamp, nowSeconds) === null) return false;
  const candidates = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
  return secrets.some((secret) => {
    const expected = hmacBase64(standardWebhooksKeyObject(secret), `${id}.${timestamp}.`, body);
    return candidates.some((c) => safeEqual(expected, c));
  });
}

export function signStandardWebhook(body: string | Buffer, secret: string, id: string, timestamp: number): string {
  return `v1,${hmacBase64(standardWebhooksKeyObject(secret), `${id}.${timestamp}.`, body)}`;
}

/** Notion: `sha256=` + hex HMAC(verification token, raw body) (C.3). */
export function verifyNotion(body: Buffer, signature: string | undefined, secrets: string[]): boolean {
  if (!signature?.startsWith('sha256=')) return false;
  return secrets.some((s) => safeEqual(`sha256=${hmacHex(s, body)}`, signature));
}

export function signNotion(body: string | Buffer, token: string): string {
  return `sha256=${hmacHex(token, body)}`;
}
