import { isUserSession, type Session } from './session.ts';

/** What the dashboard sends the API for a session, and which API answers end it (pure: tested without SvelteKit). */

/**
 * The credentials a session sends: the API key, or the person's session token plus the tenant they act in
 * (`X-Plugboard-Tenant`; the API checks the membership on every request).
 */
export function authHeaders(session: Session): Record<string, string> {
	if (!isUserSession(session)) return { authorization: `Bearer ${session.apiKey}` };
	// The token as the API issued it (`pbs_…`): a malformed one is the API's to refuse (401), not ours to repair.
	const authorization = `Bearer ${session.sessionToken}`;
	return session.tenantId ? { authorization, 'x-plugboard-tenant': session.tenantId } : { authorization };
}

/**
 * Whether an API failure ends the dashboard session: any 401 (revoked or expired session, revoked key) and, for a
 * person, 403 not_a_member (removed from the tenant: their access ends at once).
 */
export function endsSession(error: { status: number; code: string }, userSession: boolean): boolean {
	return error.status === 401 || (userSession && error.status === 403 && error.code === 'not_a_member');
}
