import { describe, expect, it } from 'vitest';
import { syncScheduleOffsetMs } from './sync.activities.ts';

describe('scheduled sync offsets', () => {
  it('spread integrations over their interval instead of all syncing at the same quarter hour', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => syncScheduleOffsetMs(`int_${String(i).padStart(26, '0')}`, 15));
    expect(offsets.every((o) => o >= 0 && o < 15 * 60_000)).toBe(true);
    // Stable for an id, and roughly uniform: each of the 15 minutes gets between 30 and 110 of 1,000 integrations.
    expect(syncScheduleOffsetMs('int_a', 15)).toBe(syncScheduleOffsetMs('int_a', 15));
    const perMinute = Array.from({ length: 15 }, (_, m) => offsets.filter((o) => Math.floor(o / 60_000) === m).length);
    expect(Math.min(...perMinute)).toBeGreaterThan(30);
    expect(Math.max(...perMinute)).toBeLessThan(110);
  });
});
