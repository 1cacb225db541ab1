import { describe, expect, it } from 'vitest';
import { signStripe, verifyStripe } from './stripe.scheme.ts';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('Stripe-Signature (self-generated vector, no official one exists)', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_test_webhook","object":"event"}';
  const header = 't=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990';
  it('verifies the vector, keyed by the whole whsec_ string', () => {
    expect(signStripe(body, secret, 1700000000)).toBe(header);
    expect(verifyStripe(b(body), header, [secret], 1700000000)).toBe(true);
  });
  it('accepts several v1 values during rotation and applies the window symmetrically', () => {
    expect(verifyStripe(b(body), `t=1700000000,v1=${'0'.repeat(64)},${header.split(',')[1]}`, [secret], 1700000000)).toBe(true);
    expect(verifyStripe(b(body), header, [secret], 1700000000 - 10_000)).toBe(false);
    expect(verifyStripe(b(body), header, [secret], 1700000000 + 301)).toBe(false);
    expect(verifyStripe(b(body + ' '), header, [secret], 1700000000)).toBe(false);
    expect(verifyStripe(b(body), header.replace('v1=', 'v0='), [secret], 1700000000)).toBe(false);
  });
});
