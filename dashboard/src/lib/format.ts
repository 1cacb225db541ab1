/**
 * Date display. `now` comes from the server's load so that server and browser render the same text.
 */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['day', 86_400_000],
	['hour', 3_600_000],
	['minute', 60_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 hours ago", "in 12 minutes", "now". */
export function formatRelative(iso: string, now: number): string {
	const diff = Date.parse(iso) - now;
	if (Number.isNaN(diff)) return iso;
	for (const [unit, ms] of UNITS) {
		if (Math.abs(diff) >= ms) return relative.format(Math.trunc(diff / ms), unit);
	}
	return Math.abs(diff) < 30_000 ? 'just now' : relative.format(Math.trunc(diff / 1000), 'second');
}

/** "2025-11-26 05:47 UTC": deterministic on server and client, whatever their time zones. */
export function formatAbsolute(iso: string): string {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function isPast(iso: string, now: number): boolean {
	return Date.parse(iso) <= now;
}

/** "93.5 %" for a 0..1 ratio; "—" when there is no value. */
export function formatPercent(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	const pct = value * 100;
	const digits = pct === 100 || pct === 0 ? 0 : 1;
	return `${pct.toFixed(digits)} %`;
}

/** Pretty JSON for a payload view; strings that hold JSON are parsed first. */
export function formatPayload(payload: unknown): string {
	let value = payload;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return value as string;
		}
	}
	return JSON.stringify(value, null, 2) ?? String(value);
}
