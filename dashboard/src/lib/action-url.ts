/**
 * The `action` of a form on the current page: `?/name`, keeping the page's own query (filters, pages) so the
 * result renders the same view, but dropping one-time flash parameters (`connect=…`, `created`, …) so an old
 * outcome is not shown again under the new one.
 */
const FLASH_PARAMS = ['integration', 'connect', 'reason', 'created', 'deleted'];

export function formAction(url: Pick<URL, 'search'>, name: string): string {
	const params = new URLSearchParams(url.search);
	for (const key of [...params.keys()]) if (key.startsWith('/') || FLASH_PARAMS.includes(key)) params.delete(key);
	const query = params.toString();
	return `?${query ? `${query}&` : ''}/${name}`;
}

/** The current page without its flash parameters (where "Cancel" on a confirmation goes). */
export function withoutFlash(url: Pick<URL, 'pathname' | 'search'>): string {
	const params = new URLSearchParams(url.search);
	for (const key of FLASH_PARAMS) params.delete(key);
	const query = params.toString();
	return query ? `${url.pathname}?${query}` : url.pathname;
}
