import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { DecryptionError } from './errors.ts';
import { pooledRandomBytes } from './random.ts';

/**
 * Token vault: AES-256-GCM, random 96-bit nonce per encryption, 128-bit tag checked with
 * `authTagLength: 16` (Node DEP0182), AAD binding tenant + row + field + key id
 * (docs/security.md D.1). Ciphertext format: `enc:v1:<kid>:<b64url iv>:<b64url ct||tag>`.
 */
const PREFIX = 'enc';
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID_PATTERN = /^v(\d{1,6})$/;

export interface CipherContext {
  tenantId: string;
  /** Table-ish name of the owning row, e.g. `integration`, `oauth_flow`, `provider`. */
  entity: string;
  id: string;
  field: string;
}

export interface Keyring {
  /** Newest key: encrypts everything. */
  activeKid: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parses `PLUGBOARD_ENCRYPTION_KEYS`: comma-separated `v<N>:<base64 32 bytes>`; the highest N is active.
 */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  let active: { kid: string; version: number } | undefined;
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(':');
    const kid = sep > 0 ? entry.slice(0, sep) : '';
    const match = KID_PATTERN.exec(kid);
    if (!match) {
      throw new Error(`encryption key "${entry.slice(0, 8)}…" must look like v<N>:<base64 of 32 bytes>, e.g. v1:${'A'.repeat(43)}=`);
    }
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    if (key.length !== 32) throw new Error(`encryption key ${kid} must decode to 32 bytes (got ${key.length}); generate one with: openssl rand -base64 32`);
    if (keys.has(kid)) throw new Error(`encryption key ${kid} is listed twice`);
    keys.set(kid, key);
    const version = Number(match[1]);
    if (!active || version > active.version) active = { kid, version };
  }
  if (!active) throw new Error('PLUGBOARD_ENCRYPTION_KEYS holds no key');
  return { activeKid: active.kid, keys };
}

export function generateKeySpec(kid = 'v1'): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

function aadFor(ctx: CipherContext, kid: string): Buffer {
  return Buffer.from(`plugboard|${FORMAT}|tenant:${ctx.tenantId}|${ctx.entity}:${ctx.id}|field:${ctx.field}|kid:${kid}`, 'utf8');
}

export class Vault {
  readonly keyring: Keyring;
  /** The keys as KeyObjects, made once: createCipheriv would otherwise convert the raw key on every call. */
  readonly #keyObjects = new Map<string, KeyObject>();

  constructor(keyring: Keyring) {
    this.keyring = keyring;
  }

  #key(kid: string): KeyObject | undefined {
    let key = this.#keyObjects.get(kid);
    if (!key) {
      const raw = this.keyring.keys.get(kid);
      if (!raw) return undefined;
      key = createSecretKey(raw);
      this.#keyObjects.set(kid, key);
    }
    return key;
  }

  get activeKid(): string {
    return this.keyring.activeKid;
  }

  encrypt(plaintext: string, ctx: CipherContext): string {
    const kid = this.keyring.activeKid;
    const key = this.#key(kid)!;
    const iv = pooledRandomBytes(IV_BYTES); // a fresh random 96-bit nonce per encryption
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(ctx, kid));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}:${FORMAT}:${kid}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  decrypt(ciphertext: string, ctx: CipherContext): string {
    const parts = ciphertext.split(':');
    if (parts.length !== 5 || parts[0] !== PREFIX || parts[1] !== FORMAT) throw new DecryptionError('not a Plugboard ciphertext');
    const [, , kid, ivPart, bodyPart] = parts as [string, string, string, string, string];
    const key = this.#key(kid);
    if (!key) throw new DecryptionError(`encryption key ${kid} is not in PLUGBOARD_ENCRYPTION_KEYS`);
    const iv = Buffer.from(ivPart, 'base64url');
    const body = Buffer.from(bodyPart, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new DecryptionError('malformed ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(ctx, kid));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('ciphertext failed authentication (tampered, moved to another row or field, or wrong key)');
    }
  }

  encryptJson(value: unknown, ctx: CipherContext): string {
    return this.encrypt(JSON.stringify(value), ctx);
  }

  decryptJson<T>(ciphertext: string, ctx: CipherContext): T {
    return JSON.parse(this.decrypt(ciphertext, ctx)) as T;
  }

  /** Key id a ciphertext was written with. */
  static kidOf(ciphertext: string): string | undefined {
    return ciphertext.split(':')[2];
  }

  /** Re-encrypts with the active key and a fresh nonce; returns the input when already current. */
  reencrypt(ciphertext: string, ctx: CipherContext): string {
    if (Vault.kidOf(ciphertext) === this.keyring.activeKid) return ciphertext;
    return this.encrypt(this.decrypt(ciphertext, ctx), ctx);
  }

  /** Key check value: lets a process detect a wrong key for a known key id before it serves traffic. */
  checkValue(kid: string): string {
    const key = this.keyring.keys.get(kid);
    if (!key) throw new Error(`unknown key ${kid}`);
    return createHmac('sha256', key).update('plugboard-key-check-v1').digest('base64url');
  }
}
