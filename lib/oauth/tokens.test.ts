import { describe, expect, it } from 'vitest';
import { tokenNeedsRefreshAt } from './tokens.ts';

describe('tokenNeedsRefreshAt', () => {
  it('lets callers use a token until its last 10 % (at most the last minute), after the workflow’s 25 % refresh point (REQ-13)', () => {
    expect(tokenNeedsRefreshAt({ issuedAt: 0, expiresAt: 20_000 })).toBe(18_000);
    expect(tokenNeedsRefreshAt({ issuedAt: 0, expiresAt: 3_600_000 })).toBe(3_540_000);
    expect(tokenNeedsRefreshAt({ expiresAt: undefined })).toBeNull();
    // Without an issue time a one-hour lifetime is assumed.
    expect(tokenNeedsRefreshAt({ expiresAt: 7_200_000 })).toBe(7_140_000);
  });
});
