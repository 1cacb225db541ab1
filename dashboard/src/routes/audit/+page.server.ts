import { auditQuery, readAuditFilters, readAuditPage } from '#lib/audit.ts';
import { pageLinks, pageNumber } from '#lib/pagination.ts';
import { listAuditLog, settle } from '#lib/server/api.ts';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
	const filters = readAuditFilters(url.searchParams);
	const state = readAuditPage(url.searchParams);
	const result = await settle(listAuditLog(locals.session, { ...auditQuery(filters), cursor: state.cursor, limit: PAGE_SIZE }));
	return {
		now: Date.now(),
		filters,
		entries: result.value?.data ?? [],
		links: pageLinks(url, state, result.value?.nextCursor ?? null),
		page: pageNumber(state),
		loadError: result.error,
		missing: result.missing,
	};
};
