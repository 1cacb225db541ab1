import { randomBytes } from 'node:crypto';
import { pooledRandomBytes } from './random.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/**
 * Prefixed, time-ordered ids (`int_01kx…`): sortable, so cursors over them follow creation order.
 * 10 chars of millisecond time + 16 chars of randomness (80 bits).
 */
export function newId(prefix: string): string {
  return `${idTimePrefix(prefix, Date.now())}${base32(pooledRandomBytes(16))}`;
}

/**
 * `<prefix>_` and the 10 time characters of an id made at `at` (ms): every id made before `at` sorts below it, one
 * made at or after it above (retention walks a primary key with it, db/repositories/retention.repository.ts).
 */
export function idTimePrefix(prefix: string, at: number): string {
  let t = Math.max(0, Math.floor(at));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}`;
}

/** A URL-safe random secret of `bytes` bytes (default 32 = 256 bits). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
