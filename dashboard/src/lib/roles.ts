/**
 * Team roles and what each may do in the dashboard. The API decides (api/authorization.ts maps every route to
 * read | write | secret | owner); this mirror only hides controls a role cannot use, so a viewer is not offered
 * a button that would answer 403. Shared by server and browser code: no imports.
 */

export const ROLES = ['owner', 'admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What an action needs: `read` (every member), `write` (changes integrations, endpoints, branding), `secret`
 * (shows or makes a secret: reveal webhook verification, rotate a forwarding or endpoint secret, create an API
 * key, tokens and the proxy) and `owner` (members and their roles).
 */
export type Capability = 'read' | 'write' | 'secret' | 'owner';

const ALLOWED: Record<Role, ReadonlySet<Capability>> = {
	owner: new Set(['read', 'write', 'secret', 'owner']),
	admin: new Set(['read', 'write', 'secret']),
	viewer: new Set(['read']),
};

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` may use an action that needs `capability`; an unknown role may only read. */
export function can(role: Role | null | undefined, capability: Capability): boolean {
	return (role ? ALLOWED[role] : ALLOWED.viewer).has(capability);
}

/** The roles `role` may hand out in an invitation: an owner any, an admin admin or viewer, a viewer none. */
export function invitableRoles(role: Role | null | undefined): Role[] {
	if (role === 'owner') return ['owner', 'admin', 'viewer'];
	if (role === 'admin') return ['admin', 'viewer'];
	return [];
}

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Admin', viewer: 'Viewer' };

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
	owner: 'Everything an admin can do, and manages members.',
	admin: 'Manages integrations, secrets, API keys and event endpoints.',
	viewer: 'Reads only: no secrets, no tokens, no proxy.',
};
