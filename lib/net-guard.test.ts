import { describe, expect, it } from 'vitest';
import { assertPublicUrl, isInternalAddress } from './net-guard.ts';

describe('outbound address guard', () => {
  it('classifies loopback, private, link-local and unique-local addresses as internal', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0'])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1']) expect(isInternalAddress(a), a).toBe(false);
  });

  it('refuses URLs whose host is or resolves to an internal address', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:8080/hook')).rejects.toThrow(/internal address/);
    await expect(assertPublicUrl('http://[::1]/hook')).rejects.toThrow(/internal address/);
    await expect(assertPublicUrl('http://localhost/hook')).rejects.toThrow(/internal address|cannot resolve/);
    await expect(assertPublicUrl('https://8.8.8.8/hook')).resolves.toBeUndefined();
  });
});
