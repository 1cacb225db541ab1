import { describe, expect, it } from 'vitest';
import { can, invitableRoles, isRole, ROLES, type Capability } from './roles.ts';

describe('role → allowed actions (mirrors api/authorization.ts classes)', () => {
	const table: Record<(typeof ROLES)[number], Record<Capability, boolean>> = {
		owner: { read: true, write: true, secret: true, owner: true },
		admin: { read: true, write: true, secret: true, owner: false },
		// Issue 16: a viewer reads only — no secrets, no tokens, no proxy, no changes.
		viewer: { read: true, write: false, secret: false, owner: false },
	};
	for (const role of ROLES) {
		for (const [capability, allowed] of Object.entries(table[role]) as [Capability, boolean][]) {
			it(`${role} ${allowed ? 'may' : 'may not'} ${capability}`, () => expect(can(role, capability)).toBe(allowed));
		}
	}

	it('treats a missing or unknown role as a viewer', () => {
		expect(can(null, 'read')).toBe(true);
		expect(can(undefined, 'write')).toBe(false);
		expect(can(null, 'secret')).toBe(false);
	});

	it('lets an owner invite any role, an admin admins and viewers, a viewer no one', () => {
		expect(invitableRoles('owner')).toEqual(['owner', 'admin', 'viewer']);
		expect(invitableRoles('admin')).toEqual(['admin', 'viewer']);
		expect(invitableRoles('viewer')).toEqual([]);
		expect(invitableRoles(null)).toEqual([]);
	});

	it('recognises only the three roles', () => {
		expect(ROLES.every(isRole)).toBe(true);
		for (const value of ['Owner', 'root', '', null, 1, undefined]) expect(isRole(value)).toBe(false);
	});
});
