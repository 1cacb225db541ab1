import type { Cookies } from '@sveltejs/kit';
import { config } from './config.ts';
import { openSession, sealSession, SESSION_COOKIE, sessionCookieOptions, sessionTtlSeconds, type Session } from './session.ts';

/** Cookie plumbing for the session (the crypto is in session.ts). */

export function readSession(cookies: Cookies, requestUrl: URL): Session | null {
	const value = cookies.get(SESSION_COOKIE);
	if (!value) return null;
	const session = openSession(value, config().sessionSecret);
	if (!session) clearSession(cookies, requestUrl); // tampered, expired or sealed under another secret
	return session;
}

export function writeSession(cookies: Cookies, session: Session, requestUrl: URL): void {
	cookies.set(SESSION_COOKIE, sealSession(session, config().sessionSecret), sessionCookieOptions(isSecureOrigin(requestUrl), sessionTtlSeconds(session)));
}

export function clearSession(cookies: Cookies, requestUrl: URL): void {
	const { maxAge: _maxAge, ...attributes } = sessionCookieOptions(isSecureOrigin(requestUrl));
	cookies.delete(SESSION_COOKIE, attributes);
}

/** Secure when the public origin is https; PUBLIC_URL wins over the request URL, whose scheme a proxy may hide. */
export function isSecureOrigin(requestUrl: URL): boolean {
	const publicUrl = config().publicUrl;
	return publicUrl ? publicUrl.startsWith('https:') : requestUrl.protocol === 'https:';
}
