import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, MAX_RETRY_AFTER_MS, nextAttemptDelay, parseDuration, parseRetrySchedule } from './schedule.ts';

describe('tenant event retry schedule', () => {
  it('defaults to Svix: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h)', () => {
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE) as number[];
    expect(schedule).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(schedule.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1);
  });

  it('gives up after the last step and honours Retry-After up to an hour', () => {
    const schedule = [0, 5_000, 300_000];
    expect(nextAttemptDelay(schedule, 1)).toBe(5_000);
    expect(nextAttemptDelay(schedule, 1, 2_000)).toBe(2_000);
    expect(nextAttemptDelay(schedule, 1, 10 * 86_400_000)).toBe(MAX_RETRY_AFTER_MS);
    expect(nextAttemptDelay(schedule, 3)).toBeNull();
  });

  it('refuses delays it cannot read', () => {
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('0')).toBe(0);
    expect(parseRetrySchedule('0,5x')).toMatch(/"5x" is not a delay/);
  });
});
