import { describe, expect, it } from 'vitest';
import { pushRetryDelay } from './push.activities.ts';

describe('push subscription retries', () => {
  it('back off from an hour to a day, so a permanent refusal (an http PUBLIC_URL) is not retried hourly forever', () => {
    expect([1, 2, 3, 5, 6, 20].map((n) => pushRetryDelay(n) / 3_600_000)).toEqual([1, 2, 4, 16, 24, 24]);
  });
});
