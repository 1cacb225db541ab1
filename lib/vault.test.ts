import { describe, expect, it } from 'vitest';
import { DecryptionError } from './errors.ts';
import { generateKeySpec, parseKeyring, Vault, type CipherContext } from './vault.ts';

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

  it('rejects a truncated authentication tag (authTagLength: 16, DEP0182)', () => {
    const ct = vault.encrypt('short-tag', ctx);
    const parts = ct.split(':');
    const body = Buffer.from(parts[4]!, 'base64url');
    const truncated = body.subarray(0, body.length - 4);
    expect(() => vault.decrypt([...parts.slice(0, 4), truncated.toString('base64url')].join(':'), ctx)).toThrow(DecryptionError);
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
