/**
 * The audit page's filters and paging in the URL (pure: tested without SvelteKit). Filters are passed to
 * GET /api/v1/audit-log as they are; dates are whole UTC days (`until` includes its day).
 */
import type { PageState } from './pagination.ts';

export interface AuditFilters {
	actor: string;
	action: string;
	targetType: string;
	targetId: string;
	/** YYYY-MM-DD (UTC), inclusive. */
	since: string;
	until: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** API cursors are opaque to us; commas separate them in `trail`. */
const CURSOR = /^[A-Za-z0-9_.:~=-]{1,300}$/;

function clean(value: string | null, max = 200): string {
	return (value ?? '').trim().slice(0, max);
}

function validDay(value: string | null): string {
	const v = clean(value, 10);
	return DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? v : '';
}

export function readAuditFilters(params: URLSearchParams): AuditFilters {
	return {
		actor: clean(params.get('actor')),
		action: clean(params.get('action'), 100),
		targetType: clean(params.get('targetType'), 100),
		targetId: clean(params.get('targetId')),
		since: validDay(params.get('since')),
		until: validDay(params.get('until')),
	};
}

/** The API query for the filters: days become instants (`until` is the start of the following day). */
export function auditQuery(filters: AuditFilters): Record<string, string> {
	const q: Record<string, string> = {};
	if (filters.actor) q.actor = filters.actor;
	if (filters.action) q.action = filters.action;
	if (filters.targetType) q.targetType = filters.targetType;
	if (filters.targetId) q.targetId = filters.targetId;
	if (filters.since) q.since = new Date(`${filters.since}T00:00:00Z`).toISOString();
	if (filters.until) q.until = new Date(Date.parse(`${filters.until}T00:00:00Z`) + 86_400_000).toISOString();
	return q;
}

/** `cursor` and `trail` (earlier pages' cursors, for "Previous") from the URL; anything else is ignored. */
export function readAuditPage(params: URLSearchParams): PageState {
	const cursor = params.get('cursor');
	if (!cursor || !CURSOR.test(cursor)) return { cursor: null, trail: [] };
	const trail = (params.get('trail') ?? '')
		.split(',')
		.filter((c) => CURSOR.test(c))
		.slice(-60);
	return { cursor, trail };
}

/** The export link for the current filters. */
export function exportHref(filters: AuditFilters, format: 'csv' | 'ndjson'): string {
	const params = new URLSearchParams({ format });
	for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
	return `/audit/export?${params}`;
}
