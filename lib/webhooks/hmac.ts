import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { safeEqual } from '../hash.ts';

/**
 * The one HMAC helper every HMAC scheme signs and verifies with (docs/security.md part C, E.1 step 2): the
 * expected value is computed over the raw bytes and compared with crypto.timingSafeEqual (through
 * `safeEqual`, which never throws on a length mismatch).
 */

export const REPLAY_WINDOW_SECONDS = 300;

export type HmacKey = string | KeyObject;
export type HmacEncoding = 'hex' | 'base64';

/** HMAC-SHA256 of the concatenated `parts` under `key`. */
export function hmac(key: HmacKey, encoding: HmacEncoding, ...parts: (string | Buffer)[]): string {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest(encoding);
}

/**
 * Whether any of the `candidates` a request carries equals `expected(secret)` for any valid secret (rotation:
 * the current secret and a previous one; several signatures in one header). Constant time per comparison.
 */
export function anySignatureMatches(secrets: readonly string[], candidates: readonly string[], expected: (secret: string) => string): boolean {
  if (!candidates.length) return false;
  return secrets.some((secret) => {
    const value = expected(secret);
    return candidates.some((candidate) => safeEqual(value, candidate));
  });
}

/** The timestamp when it is a plain integer within ±REPLAY_WINDOW_SECONDS of now, else null. */
export function withinReplayWindow(timestamp: string | undefined, nowSeconds: number): number | null {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return null;
  const ts = Number(timestamp);
  return Math.abs(nowSeconds - ts) <= REPLAY_WINDOW_SECONDS ? ts : null;
}

// Decoded keys by secret (Standard Webhooks): one HMAC per delivery instead of a base64 decode and a key
// import as well (a Buffer key costs a slow conversion inside createHmac, ≈12 µs on Node 24, against ≈1 µs
// for a KeyObject). Bounded; the secrets are already in this process's memory (the verification cache).
const keyObjects = new Map<string, KeyObject>();
export function cachedKey(secret: string, decode: (secret: string) => Buffer): KeyObject {
  let key = keyObjects.get(secret);
  if (!key) {
    if (keyObjects.size >= 10_000) keyObjects.clear();
    key = createSecretKey(decode(secret));
    keyObjects.set(secret, key);
  }
  return key;
}
