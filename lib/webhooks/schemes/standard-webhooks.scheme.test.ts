import { describe, expect, it } from 'vitest';
import { signStandardWebhook, standardWebhooksScheme, verifyStandardWebhook } from './standard-webhooks.scheme.ts';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('Standard Webhooks', () => {
  // Official vector (standard-webhooks webhook.test.ts "sign function works"; docs/security.md §0).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const headers = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
  it('verifies the official vector (24-byte key after whsec_)', () => {
    expect(signStandardWebhook(body, secret, headers.id, 1614265330)).toBe(headers.signature);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330)).toBe(true);
  });
  it('accepts one valid signature in a space-separated list', () => {
    expect(verifyStandardWebhook(b(body), { ...headers, signature: `v1,AAAA ${headers.signature}` }, [secret], 1614265330)).toBe(true);
  });
  it('rejects re-serialised JSON, stale or future timestamps, a wrong secret and missing headers', () => {
    expect(verifyStandardWebhook(b(JSON.stringify(JSON.parse(body))), headers, [secret], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330 + 301)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330 - 301)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, ['whsec_' + Buffer.alloc(24).toString('base64')], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), { ...headers, id: undefined }, [secret], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), { ...headers, id: 'msg.1' }, [secret], 1614265330)).toBe(false);
  });
  it('hints a sync for the sandbox item events but not for Plugboard’s own records.changed', () => {
    expect(standardWebhooksScheme.actionFor('item.updated')).toBe('sync_hint');
    expect(standardWebhooksScheme.actionFor('records.changed')).toBe('none');
    expect(standardWebhooksScheme.accountKey).toBeNull();
  });
});
