import { z } from 'zod';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The longest uptime window asked for (the status history is kept for good; the query's cost grows with it). */
export const MAX_WINDOW_DAYS = 90;

/**
 * `?window=` of the uptime figures: whole hours or days (`24h`, `7d`, `30d`), from 1 hour to 90 days; 30 days by
 * default. Parses to the label and its length.
 */
export const uptimeWindow = z
  .string()
  .regex(/^[1-9]\d{0,3}[hd]$/, 'a whole number of hours or days, such as 24h or 30d')
  .default('30d')
  .transform((label) => ({ label, ms: Number(label.slice(0, -1)) * (label.endsWith('d') ? DAY : HOUR) }))
  .refine((w) => w.ms <= MAX_WINDOW_DAYS * DAY, `at most ${MAX_WINDOW_DAYS} days`);
