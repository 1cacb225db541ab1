import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 8192;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `n` (≤ 256) bytes from the CSPRNG, drawn from a pool refilled 8 KiB at a time — as Node's own randomUUID
 * does. Each byte is handed out once. A randomBytes call per id or nonce costs a synchronous CSPRNG job
 * (≈5 µs under load); the pool makes that one job per few hundred calls. For ids and nonces on hot paths;
 * long-lived secrets keep using randomBytes.
 */
export function pooledRandomBytes(n: number): Buffer {
  if (n > 256) throw new RangeError('pooledRandomBytes serves at most 256 bytes');
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}
