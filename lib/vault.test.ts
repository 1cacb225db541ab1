import { createDecipheriv } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { DecryptionError } from './errors.ts';
import { generateKeySpec, parseKeyring, Vault, type CipherContext } from './vault.ts';

/** The options of every decipher the vault creates (node:crypto itself, only watched). */
const decipherOptions: unknown[] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof NodeCrypto>();
  return {
    ...crypto,
    createDecipheriv: (...args: Parameters<typeof crypto.createDecipheriv>) => {
      decipherOptions.push(args[3]);
      return crypto.createDecipheriv(...args);
    },
  };
});

const ctx: CipherContext = { tenantId: 't_1', entity: 'integration', id: 'int_1', field: 'credentials' };

describe('Vault', () => {
  const vault = new Vault(parseKeyring(generateKeySpec('v1')));

  it('round-trips plaintext and never reuses a nonce', () => {
    const a = vault.encrypt('xoxb-secret', ctx);
    const b = vault.encrypt('xoxb-secret', ctx);
    expect(a).not.toBe(b);
    expect(a).not.toContain('xoxb-secret');
    expect(vault.decrypt(a, ctx)).toBe('xoxb-secret');
    expect(a).toMatch(/^enc:v1:v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
  });

  it('rejects a tampered ciphertext (one flipped byte anywhere in body or tag)', () => {
    const ct = vault.encrypt('refresh-token-value', ctx);
    const parts = ct.split(':');
    const body = Buffer.from(parts[4]!, 'base64url');
    for (const index of [0, body.length - 1, Math.floor(body.length / 2)]) {
      const copy = Buffer.from(body);
      copy[index]! ^= 0x01;
      const tampered = [...parts.slice(0, 4), copy.toString('base64url')].join(':');
      expect(() => vault.decrypt(tampered, ctx)).toThrow(DecryptionError);
    }
    const iv = Buffer.from(parts[3]!, 'base64url');
    iv[0]! ^= 0x80;
    expect(() => vault.decrypt([...parts.slice(0, 3), iv.toString('base64url'), parts[4]].join(':'), ctx)).toThrow(DecryptionError);
  });

  it('rejects a ciphertext swapped between rows, tenants or fields (AAD binding)', () => {
    const ct = vault.encrypt('token-of-row-1', ctx);
    expect(() => vault.decrypt(ct, { ...ctx, id: 'int_2' })).toThrow(DecryptionError);
    expect(() => vault.decrypt(ct, { ...ctx, tenantId: 't_2' })).toThrow(DecryptionError);
    expect(() => vault.decrypt(ct, { ...ctx, field: 'secrets' })).toThrow(DecryptionError);
    expect(() => vault.decrypt(ct, { ...ctx, entity: 'oauth_flow' })).toThrow(DecryptionError);
  });

  it('rejects truncated authentication tags (4, 8, 12 bytes) that a decipher without authTagLength accepts (DEP0182)', () => {
    const ct = vault.encrypt('short-tag', ctx);
    const [, , kid, ivPart, bodyPart] = ct.split(':') as [string, string, string, string, string];
    const iv = Buffer.from(ivPart, 'base64url');
    const body = Buffer.from(bodyPart, 'base64url');
    const encrypted = body.subarray(0, body.length - 16);
    const tag = body.subarray(body.length - 16);
    const aad = Buffer.from(`plugboard|v1|tenant:${ctx.tenantId}|${ctx.entity}:${ctx.id}|field:${ctx.field}|kid:${kid}`);
    for (const length of [4, 8, 12]) {
      // A GCM tag truncated to t bytes is the leftmost t bytes of the full tag (NIST SP 800-38D §5.2.1.2).
      const short = tag.subarray(0, length);
      // The forgery is genuine: a decipher that takes t-byte tags decrypts it, as Node's does when no
      // authTagLength is given (it checks only the bytes it is handed; DEP0182 only warns).
      const lax = createDecipheriv('aes-256-gcm', vault.keyring.keys.get(kid)!, iv, { authTagLength: length });
      lax.setAAD(aad);
      lax.setAuthTag(short);
      expect(Buffer.concat([lax.update(encrypted), lax.final()]).toString('utf8')).toBe('short-tag');

      const forged = [...ct.split(':').slice(0, 4), Buffer.concat([encrypted, short]).toString('base64url')].join(':');
      expect(() => vault.decrypt(forged, ctx), `${length}-byte tag`).toThrow(DecryptionError);
    }
    // The vault pins the tag length on its decipher: a format that carried the tag apart from the ciphertext
    // would otherwise accept the short tags above.
    decipherOptions.length = 0;
    expect(vault.decrypt(ct, ctx)).toBe('short-tag');
    expect(decipherOptions).toEqual([{ authTagLength: 16 }]);
  });

  it('encrypts with the newest key and decrypts with any key in the ring', () => {
    const k1 = generateKeySpec('v1');
    const k2 = generateKeySpec('v2');
    const old = new Vault(parseKeyring(k1));
    const rotated = new Vault(parseKeyring(`${k2},${k1}`));
    const legacy = old.encrypt('legacy', ctx);
    expect(rotated.activeKid).toBe('v2');
    expect(rotated.decrypt(legacy, ctx)).toBe('legacy');
    const fresh = rotated.reencrypt(legacy, ctx);
    expect(Vault.kidOf(fresh)).toBe('v2');
    expect(rotated.decrypt(fresh, ctx)).toBe('legacy');
    expect(() => old.decrypt(fresh, ctx)).toThrow(/v2 is not in PLUGBOARD_ENCRYPTION_KEYS/);
  });

  it('refuses malformed key specs with a message that says how to fix them', () => {
    expect(() => parseKeyring('')).toThrow(/holds no key/);
    expect(() => parseKeyring('v1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseKeyring('key1:' + Buffer.alloc(32).toString('base64'))).toThrow(/v<N>:<base64/);
  });

  it('gives a key check value that differs per key', () => {
    const a = new Vault(parseKeyring(generateKeySpec('v1')));
    const b = new Vault(parseKeyring(generateKeySpec('v1')));
    expect(a.checkValue('v1')).not.toBe(b.checkValue('v1'));
    expect(a.checkValue('v1')).toBe(a.checkValue('v1'));
  });
});
