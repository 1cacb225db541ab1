import { error } from '@sveltejs/kit';
import { auditQuery, readAuditFilters } from '#lib/audit.ts';
import { describeApiError, ApiError, fetchAuditExport } from '#lib/server/api.ts';
import type { RequestHandler } from './$types';

/**
 * The audit trail as a file (GET /api/v1/audit-log/export, NDJSON or CSV) with the current filters. The browser
 * has no API credentials, so the dashboard fetches with the session's and streams the answer through.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	if (!locals.session) error(401, 'Sign in first.');
	const format = url.searchParams.get('format') === 'ndjson' ? 'ndjson' : 'csv';
	const response = await fetchAuditExport(locals.session, format, auditQuery(readAuditFilters(url.searchParams))).catch((e: unknown) => {
		if (e instanceof ApiError) error(503, describeApiError(e));
		throw e;
	});
	if (!response.ok || !response.body) {
		let message = `The Plugboard API answered ${response.status}.`;
		try {
			const body = (await response.json()) as { error?: { message?: string } };
			if (body.error?.message) message = body.error.message;
		} catch {
			// not JSON
		}
		error(response.status >= 400 && response.status < 500 ? response.status : 502, message);
	}
	const day = new Date().toISOString().slice(0, 10);
	return new Response(response.body, {
		headers: {
			'content-type': format === 'ndjson' ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="plugboard-audit-${day}.${format === 'ndjson' ? 'ndjson' : 'csv'}"`,
			'cache-control': 'no-store',
		},
	});
};
