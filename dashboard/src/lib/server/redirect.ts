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

/** Why a person lands on the sign-in page, when the dashboard ended their session. */
export type SigninReason = 'ended';

/** Where an unauthenticated request is sent. */
export function signinPath(next: string, reason?: SigninReason): string {
	return `/signin?next=${encodeURIComponent(safeNext(next))}${reason ? `&reason=${reason}` : ''}`;
}

/** Routes reachable without a session. Static assets never reach the hook (the adapter serves them first). */
const PUBLIC_PATHS = new Set(['/signin', '/signin/sso', '/signin/sso/callback']);

/** Whether a path opens without a session: sign-in, SSO, and invitation links (the token is the credential; the API checks it). */
export function isPublicPath(pathname: string): boolean {
	return PUBLIC_PATHS.has(pathname) || /^\/invite\/[^/]+$/.test(pathname);
}
