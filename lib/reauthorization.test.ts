import { describe, expect, it } from 'vitest';
import { describeReauthorization, reauthorizationDue } from './reauthorization.ts';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const HOUR = 3_600_000;

describe('reauthorizationDue', () => {
  it('counts whole days left, rounded up, and says when it is overdue (issue 13 item 5)', () => {
    expect(reauthorizationDue(new Date(NOW + 7 * 24 * HOUR), NOW)).toEqual({ dueInDays: 7, overdue: false });
    expect(reauthorizationDue(new Date(NOW + 6 * 24 * HOUR + 2 * HOUR).toISOString(), NOW)).toEqual({ dueInDays: 7, overdue: false });
    expect(reauthorizationDue(new Date(NOW + HOUR), NOW)).toEqual({ dueInDays: 1, overdue: false });
    expect(reauthorizationDue(new Date(NOW), NOW)).toEqual({ dueInDays: 0, overdue: true });
    expect(reauthorizationDue(new Date(NOW - 3 * 24 * HOUR), NOW)).toEqual({ dueInDays: 0, overdue: true });
    expect(reauthorizationDue(null, NOW)).toBeNull();
    expect(reauthorizationDue('not a date', NOW)).toBeNull();
  });

  it('reads as the dashboard shows it', () => {
    expect(describeReauthorization({ dueInDays: 5, overdue: false })).toBe('Reauthorization due in 5 days');
    expect(describeReauthorization({ dueInDays: 1, overdue: false })).toBe('Reauthorization due in 1 day');
    expect(describeReauthorization({ dueInDays: 0, overdue: true })).toBe('Reauthorization overdue');
  });
});
