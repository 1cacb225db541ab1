/**
 * Post-sign-in destinations. Only same-origin relative paths survive: `//evil.example`, `/\evil.example`,
 * `https://…`, `javascript:` and anything with control characters fall back (no open redirect, RFC 9700 §4.11).
 */
const BASE = 'http://plugboard.invalid';

export function safeNext(value: unknown, fallback = '/'): string {
	if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
	if (!value.startsWith('/') || value.startsWith('//')) return fallback;
	// Browsers treat `\` like `/` and ignore tabs/newlines in URLs, so `/\evil` and `/\t/evil` escape the origin.
	if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
	let url: URL;
	try {
		url = new URL(value, BASE);
	} catch {
		return fallback;
	}
	if (url.origin !== BASE) return fallback;
	const path = `${url.pathname}${url.search}${url.hash}`;
	return path.startsWith('//') ? fallback : path;
}

/** The current request as a `next` value: path and query, relative to the origin. */
export function relativeUrl(url: URL): string {
	return `${url.pathname}${url.search}`;
}

/** Where an unauthenticated request is sent. */
export function signinPath(next: string): string {
	return `/signin?next=${encodeURIComponent(safeNext(next))}`;
}
