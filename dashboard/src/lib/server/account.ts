import type { LoginAnswer, Membership } from '../types.ts';
import type { UserSession } from './session.ts';

/**
 * A person's dashboard session from a sign-in answer (password, SSO or accepted invitation): the tenant is
 * `preferredTenantId` when they are a member of it, else their first membership; null when they have none.
 */
export function sessionFromLogin(answer: LoginAnswer, preferredTenantId?: string | null): UserSession | null {
	const membership = pickMembership(answer.memberships, preferredTenantId);
	if (!membership) return null;
	return {
		sessionToken: answer.sessionToken,
		tenantId: membership.tenantId,
		tenantName: membership.tenantName,
		role: membership.role,
		email: answer.user.email,
	};
}

export function pickMembership(memberships: Membership[], preferredTenantId?: string | null): Membership | null {
	return memberships.find((m) => m.tenantId === preferredTenantId) ?? memberships[0] ?? null;
}

/** The session moved to another of the person's tenants, or null when they are not a member of it. */
export function switchTenant(session: UserSession, memberships: Membership[], tenantId: string): UserSession | null {
	const membership = memberships.find((m) => m.tenantId === tenantId);
	if (!membership) return null;
	return { ...session, tenantId: membership.tenantId, tenantName: membership.tenantName, role: membership.role };
}

export const MIN_PASSWORD_LENGTH = 12;

/** Checks an email as a form field (the API decides for real): trimmed, one @, no spaces, at most 254 characters. */
export function looksLikeEmail(value: string): boolean {
	return value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value);
}
