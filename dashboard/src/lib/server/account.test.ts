import { describe, expect, it } from 'vitest';
import type { LoginAnswer } from '../types.ts';
import { looksLikeEmail, pickMembership, sessionFromLogin, switchTenant } from './account.ts';
import { authHeaders, endsSession } from './credentials.ts';

const answer: LoginAnswer = {
	sessionToken: 'pbs_abc',
	expiresAt: '2026-12-09T00:00:00Z',
	user: { id: 'usr_1', email: 'vi@example.test', name: 'Vi' },
	memberships: [
		{ tenantId: 'ten_a', tenantName: 'A', role: 'viewer' },
		{ tenantId: 'ten_b', tenantName: 'B', role: 'owner' },
	],
};

describe('a person’s session from a sign-in answer', () => {
	it('uses the preferred tenant when a member, else the first', () => {
		expect(sessionFromLogin(answer, 'ten_b')).toEqual({ sessionToken: 'pbs_abc', tenantId: 'ten_b', tenantName: 'B', role: 'owner', email: 'vi@example.test' });
		expect(sessionFromLogin(answer, 'ten_zzz')?.tenantId).toBe('ten_a');
		expect(sessionFromLogin(answer)?.role).toBe('viewer');
	});

	it('is null without a membership', () => {
		expect(sessionFromLogin({ ...answer, memberships: [] })).toBeNull();
		expect(pickMembership([], 'ten_a')).toBeNull();
	});

	it('switches only to a tenant of the person, taking that role', () => {
		const session = sessionFromLogin(answer)!;
		expect(switchTenant(session, answer.memberships, 'ten_b')).toMatchObject({ tenantId: 'ten_b', role: 'owner', sessionToken: 'pbs_abc' });
		expect(switchTenant(session, answer.memberships, 'ten_other')).toBeNull();
	});

	it('checks emails loosely (the API decides)', () => {
		expect(looksLikeEmail('a@b.test')).toBe(true);
		for (const bad of ['', 'a', 'a b@c.test', 'a@', '@b', `${'a'.repeat(250)}@b.test`]) expect(looksLikeEmail(bad)).toBe(false);
	});
});

describe('what the dashboard sends the API', () => {
	it('sends an API key as the bearer, and nothing else', () => {
		expect(authHeaders({ apiKey: 'pbk_x', tenantId: 'ten_a' })).toEqual({ authorization: 'Bearer pbk_x' });
	});

	it('sends a person’s session token with the tenant they act in', () => {
		expect(authHeaders({ sessionToken: 'pbs_abc', tenantId: 'ten_a', role: 'viewer', email: 'vi@example.test' })).toEqual({
			authorization: 'Bearer pbs_abc',
			'x-plugboard-tenant': 'ten_a',
		});
		// The token goes as it is (a bare one is not given a prefix); without a tenant (sign-out of a person with none) no tenant header.
		expect(authHeaders({ sessionToken: 'abc', tenantId: '', role: 'viewer', email: 'x@y.z' })).toEqual({ authorization: 'Bearer abc' });
	});

	it('ends the session on 401, and on 403 not_a_member for a person only', () => {
		expect(endsSession({ status: 401, code: 'session_revoked' }, true)).toBe(true);
		expect(endsSession({ status: 401, code: 'unauthorized' }, false)).toBe(true);
		expect(endsSession({ status: 403, code: 'not_a_member' }, true)).toBe(true);
		expect(endsSession({ status: 403, code: 'not_a_member' }, false)).toBe(false);
		expect(endsSession({ status: 403, code: 'forbidden' }, true)).toBe(false);
	});
});
