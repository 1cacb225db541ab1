import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from '../api/middleware/client-ip.ts';

describe('client address behind trusted proxies', () => {
  const trusted = trustedProxies({ NODE_ENV: 'production', PLUGBOARD_TRUSTED_PROXIES: ['10.0.0.5', '172.30.0.0/28', 'fd00::/64'] });

  it('believes X-Forwarded-For only from a trusted peer, single address or range', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('172.30.0.14', '203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:172.30.0.3', '203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('fd00::9', '203.0.113.7', trusted)).toBe('203.0.113.7');
    // Outside the range, or an arbitrary client: the header is ignored.
    expect(clientAddress('172.30.0.16', '203.0.113.7', trusted)).toBe('172.30.0.16');
    expect(clientAddress('198.51.100.1', '203.0.113.7', trusted)).toBe('198.51.100.1');
  });

  it('walks the header from the right past trusted hops, and stops at a forged or malformed one', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.9, 203.0.113.7, 172.30.0.2', trusted)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.5', 'not-an-ip, 203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.5', '203.0.113.7, garbage', trusted)).toBe('10.0.0.5');
  });

  it('trusts loopback by default in development only', () => {
    expect(trustedProxies({ NODE_ENV: 'development', PLUGBOARD_TRUSTED_PROXIES: undefined }).has('127.0.0.1')).toBe(true);
    expect(trustedProxies({ NODE_ENV: 'production', PLUGBOARD_TRUSTED_PROXIES: undefined }).has('127.0.0.1')).toBe(false);
  });
});
