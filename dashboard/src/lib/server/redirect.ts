import { safePathOr } from '../../../../lib/safe-path.ts';

/**
 * Post-sign-in destinations. Only same-origin relative paths survive: the one check shared with the API's
 * returnTo and the OAuth callback (lib/safe-path.ts) normalises first (encoded dots and slashes, dot
 * segments) and refuses `//evil.example`, `/\evil.example`, `https://…`, `javascript:` and control
 * characters (no open redirect, RFC 9700 §4.11).
 */
export function safeNext(value: unknown, fallback = '/'): string {
	return safePathOr(value, fallback);
}

/** The current request as a `next` value: path and query, relative to the origin. */
export function relativeUrl(url: URL): string {
	return `${url.pathname}${url.search}`;
}

/** Where an unauthenticated request is sent. */
export function signinPath(next: string): string {
	return `/signin?next=${encodeURIComponent(safeNext(next))}`;
}
