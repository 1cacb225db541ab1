/**
 * Delivery schedule of tenant events, as Svix's: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after
 * the previous attempt (8 attempts over about 27 h). PLUGBOARD_EVENT_RETRY_SCHEDULE replaces it (tests).
 */
export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';
/** A receiver's `Retry-After` is honoured up to this long; it replaces one step of the schedule, never adds attempts. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `5s`, `5m`, `2h`, `5d` or `0` → milliseconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  if (!match[2] && match[1] !== '0') return undefined;
  return Number(match[1]) * UNITS[match[2] ?? 'ms']!;
}

/** The comma-separated schedule → delays in ms (the first is the first attempt's, normally 0). */
export function parseRetrySchedule(text: string): number[] | string {
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.length || parts.length > 20) return 'give 1 to 20 comma-separated delays such as 0,5s,5m,30m,2h';
  const delays: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) return `"${part}" is not a delay such as 0, 250ms, 5s, 5m, 2h or 1d`;
    delays.push(ms);
  }
  return delays;
}

/** When the attempt after `attempts` failed ones is due, or null when the schedule is used up. */
export function nextAttemptDelay(schedule: readonly number[], attempts: number, retryAfterMs?: number): number | null {
  if (attempts >= schedule.length) return null;
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return schedule[attempts]!;
}

/** `Retry-After` in seconds or as an HTTP date → ms (bounded by MAX_RETRY_AFTER_MS), or undefined. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
