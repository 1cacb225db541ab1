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
    // Already expired (clock skew): replaced in a minute, not in a tight loop.
    expect(renewBeforeExpiry({ expiresAt: NOW - 1000 }, NOW)).toBe(NOW + 60_000);
  });

  it('calls Gmail watch once a day, as Google recommends, even though a watch lasts 7 days (C.4)', () => {
    expect(gmailPush.renewAt({ expiresAt: NOW + 7 * DAY }, NOW)).toBe(NOW + DAY);
    expect(gmailPush.renewAt({ expiresAt: NOW + 2 * HOUR }, NOW)).toBe(NOW + HOUR);
  });

  it('Gmail push needs the operator Pub/Sub topic and the push service account, and says which variable to set', () => {
    const settings = (values: Record<string, string>) => (suffix: string) => values[suffix];
    expect(gmailPush.unavailable?.(settings({}))).toMatch(/PLUGBOARD_GMAIL_PUSH_TOPIC/);
    expect(gmailPush.unavailable?.(settings({ PUSH_TOPIC: 'projects/p/topics/t' }))).toMatch(/PLUGBOARD_GMAIL_PUSH_SERVICE_ACCOUNT/);
    expect(gmailPush.unavailable?.(settings({ PUSH_TOPIC: 'projects/p/topics/t', PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com' }))).toBeUndefined();
  });
});
