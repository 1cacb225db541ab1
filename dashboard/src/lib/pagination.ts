/**
 * Cursor pagination in the URL. The API pages forward only (`cursor` = last id of the previous page), so
 * the cursors of earlier pages ride along in `trail` to make "Previous" possible without loading them.
 */

export const CURSOR_PATTERN = /^[a-z]{3}_[0-9a-z]{26}$/;
/** Beyond this many pages the oldest cursors are dropped ("First page" still works). */
const MAX_TRAIL = 60;

export interface PageState {
	cursor: string | null;
	trail: string[];
}

/** Reads `cursor` and `trail` from a query string, ignoring anything that is not a cursor the API issued. */
export function readPage(params: URLSearchParams, prefix = ''): PageState {
	const cursor = params.get(`${prefix}cursor`);
	const trail = (params.get(`${prefix}trail`) ?? '').split(',').filter((c) => CURSOR_PATTERN.test(c));
	return { cursor: cursor && CURSOR_PATTERN.test(cursor) ? cursor : null, trail: cursor && CURSOR_PATTERN.test(cursor) ? trail : [] };
}

/** 1-based page number. */
export function pageNumber(state: PageState): number {
	return state.cursor ? state.trail.length + 2 : 1;
}

/** The current location: a URL, or SvelteKit's read-only `page.url`. */
type Location = Pick<URL, 'pathname' | 'search'>;

function withPage(url: Location, state: PageState, prefix: string): string {
	const next = new URLSearchParams(url.search);
	next.delete(`${prefix}cursor`);
	next.delete(`${prefix}trail`);
	if (state.cursor) next.set(`${prefix}cursor`, state.cursor);
	if (state.trail.length) next.set(`${prefix}trail`, state.trail.join(','));
	const qs = next.toString();
	return qs ? `${url.pathname}?${qs}` : url.pathname;
}

/** Relative URLs for the pager links (null when there is no such page). */
export function pageLinks(url: Location, state: PageState, nextCursor: string | null | undefined, prefix = '') {
	const previous: PageState | null = state.cursor
		? state.trail.length
			? { cursor: state.trail[state.trail.length - 1]!, trail: state.trail.slice(0, -1) }
			: { cursor: null, trail: [] }
		: null;
	const following: PageState | null = nextCursor ? { cursor: nextCursor, trail: (state.cursor ? [...state.trail, state.cursor] : []).slice(-MAX_TRAIL) } : null;
	return {
		first: state.cursor ? withPage(url, { cursor: null, trail: [] }, prefix) : null,
		previous: previous ? withPage(url, previous, prefix) : null,
		next: following ? withPage(url, following, prefix) : null,
	};
}
