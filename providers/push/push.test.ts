import { describe, expect, it } from 'vitest';
import { gmailPush } from './gmail.push.ts';
import { renewBeforeExpiry } from './google-calendar.push.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 26, 12);

describe('push subscription renewal times', () => {
  it('renews a Calendar channel a day before it expires, or at half its life when it lives under two days', () => {
    expect(renewBeforeExpiry({ expiresAt: NOW + 7 * DAY }, NOW)).toBe(NOW + 6 * DAY);
    expect(renewBeforeExpiry({ expiresAt: NOW + 2 * HOUR }, NOW)).toBe(NOW + HOUR);
    // Already expired: renew now, never in the past of the expiry.
    expect(renewBeforeExpiry({ expiresAt: NOW - 1000 }, NOW)).toBe(NOW - 1000);
  });

  it('calls Gmail watch once a day, as Google recommends, even though a watch lasts 7 days (C.4)', () => {
    expect(gmailPush.renewAt({ expiresAt: NOW + 7 * DAY }, NOW)).toBe(NOW + DAY);
    expect(gmailPush.renewAt({ expiresAt: NOW + 2 * HOUR }, NOW)).toBe(NOW + HOUR);
  });

  it('Gmail push needs the operator Pub/Sub topic and says which variable to set', () => {
    expect(gmailPush.unavailable?.(() => undefined)).toMatch(/PLUGBOARD_GMAIL_PUSH_TOPIC/);
    expect(gmailPush.unavailable?.((s) => (s === 'PUSH_TOPIC' ? 'projects/p/topics/t' : undefined))).toBeUndefined();
  });
});
