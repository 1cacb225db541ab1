import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * Password hashing with scrypt from node:crypto (memory-hard; RFC 7914). The stored string describes itself,
 * `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<key b64url>`, so the cost can be raised later and old hashes still verify.
 * N = 2^15, r = 8, p = 1 (32 MiB, ≈50–100 ms on one core), a 16-byte salt and a 32-byte key.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

/**
 * scrypt runs on libuv's thread pool (4 threads by default, shared with file system and DNS work): at most
 * PASSWORD_WORK.concurrency hashes run at once per process, PASSWORD_WORK.queue more wait their turn, and past that a
 * sign-in answers 503 `busy` at once — a burst of sign-ins cannot take every thread or grow a queue without bound.
 */
export const PASSWORD_WORK = { concurrency: 2, queue: 32 };
let active = 0;
let maxActive = 0;
const waiting: (() => void)[] = [];

/** How busy password hashing is (tests, metrics). */
export function passwordWorkStats(): { active: number; queued: number; maxActive: number } {
  return { active, queued: waiting.length, maxActive };
}

async function withPasswordSlot<T>(work: () => Promise<T>): Promise<T> {
  if (active >= PASSWORD_WORK.concurrency) {
    if (waiting.length >= PASSWORD_WORK.queue) {
      throw new AppError(503, 'busy', 'Too many sign-ins are being checked right now; try again in a moment.', { details: { retryAfterSeconds: 1 } });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    active++;
  }
  maxActive = Math.max(maxActive, active);
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line (active stays the same), else free it.
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return withPasswordSlot(() => scryptNow(password, salt, options));
}

function scryptNow(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, KEY_BYTES, { ...options, maxmem: 256 * options.N! * options.r! + 16 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N: 2 ** LOG_N, r: R, p: P });
  return `scrypt$${LOG_N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`; a malformed stored value never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!(logN >= 10 && logN <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scrypt(password, Buffer.from(parts[4]!, 'base64url'), { N: 2 ** logN, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * Spends the time of a real verification against a hash nobody knows the password of: unknown e-mail addresses
 * and password-less accounts answer as slowly as a wrong password, so timing does not tell which accounts exist.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('base64url')).catch((error: unknown) => {
    dummy = undefined; // a busy moment must not spoil every later unknown-address sign-in
    throw error;
  });
  await verifyPassword(password, await dummy);
  return false;
}
