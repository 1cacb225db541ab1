import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUserSession, openSession, sealSession, SESSION_TTL_SECONDS, sessionCookieOptions, sessionRole, USER_SESSION_TTL_SECONDS } from './session.ts';

const secret = 'a-test-secret-that-is-at-least-32-characters-long';
const now = Date.UTC(2026, 0, 15, 12, 0, 0);

/** Flips one bit of the sealed bytes at `index` (negative counts from the end). */
function flipByte(cookie: string, index: number): string {
	const [version, body] = cookie.split('.');
	const bytes = Buffer.from(body!, 'base64url');
	const i = index < 0 ? bytes.length + index : index;
	bytes[i] = bytes[i]! ^ 0x01;
	return `${version}.${bytes.toString('base64url')}`;
}

describe('session cookie', () => {
	it('round-trips the API key and tenant id', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123', tenantId: 'ten_1' }, secret, now);
		expect(openSession(cookie, secret, now + 1000)).toEqual({ apiKey: 'pb_live_abc123', tenantId: 'ten_1' });
	});

	it('round-trips the tenant name shown in the header', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123', tenantId: 'ten_1', tenantName: 'Acme' }, secret, now);
		expect(openSession(cookie, secret, now)).toEqual({ apiKey: 'pb_live_abc123', tenantId: 'ten_1', tenantName: 'Acme' });
	});

	it('round-trips a session without a tenant id', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		expect(openSession(cookie, secret, now)).toEqual({ apiKey: 'pb_live_abc123' });
	});

	it('never contains the API key in clear and uses a fresh IV every time', () => {
		const a = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		const b = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		expect(a).not.toBe(b);
		for (const cookie of [a, b]) {
			expect(cookie).not.toContain('pb_live_abc123');
			expect(Buffer.from(cookie.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('pb_live');
		}
	});

	it('treats a tampered ciphertext, IV or tag as signed out', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		expect(openSession(flipByte(cookie, 0), secret, now)).toBeNull(); // IV
		expect(openSession(flipByte(cookie, 14), secret, now)).toBeNull(); // ciphertext
		expect(openSession(flipByte(cookie, -1), secret, now)).toBeNull(); // tag
	});

	it('treats a cookie sealed under another secret as signed out', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		expect(openSession(cookie, `${secret}-rotated`, now)).toBeNull();
	});

	it('treats malformed values as signed out', () => {
		for (const value of [undefined, null, '', 'v1.', 'v2.AAAA', 'v1.!!!', 'v1.AAAA.BBBB', 'garbage', 'v1.' + 'A'.repeat(5000)]) {
			expect(openSession(value, secret, now)).toBeNull();
		}
	});

	it('expires 12 hours after it was issued', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123' }, secret, now);
		expect(openSession(cookie, secret, now + (SESSION_TTL_SECONDS - 1) * 1000)).not.toBeNull();
		expect(openSession(cookie, secret, now + SESSION_TTL_SECONDS * 1000)).toBeNull();
		expect(openSession(cookie, secret, now + 13 * 3600 * 1000)).toBeNull();
	});

	it('rejects an issued-at far in the future', () => {
		const cookie = sealSession({ apiKey: 'pb_live_abc123' }, secret, now + 3600 * 1000);
		expect(openSession(cookie, secret, now)).toBeNull();
	});

	it('sets httpOnly, SameSite=Lax, path / and Secure only for https origins', () => {
		expect(sessionCookieOptions(true)).toEqual({ path: '/', httpOnly: true, sameSite: 'lax', secure: true, maxAge: SESSION_TTL_SECONDS });
		expect(sessionCookieOptions(false).secure).toBe(false);
	});

	it('round-trips a person’s session: token, tenant, role, email', () => {
		const user = { sessionToken: 'pbs_secret_token', tenantId: 'ten_1', role: 'viewer' as const, email: 'vi@example.test', tenantName: 'Acme' };
		const cookie = sealSession(user, secret, now);
		expect(cookie).not.toContain('pbs_secret_token');
		const opened = openSession(cookie, secret, now);
		expect(opened).toEqual(user);
		expect(isUserSession(opened)).toBe(true);
		expect(sessionRole(opened)).toBe('viewer');
	});

	it('keeps a person’s cookie up to 7 days (the API ends it sooner when idle or revoked)', () => {
		const cookie = sealSession({ sessionToken: 'pbs_t', tenantId: 'ten_1', role: 'owner', email: 'o@example.test' }, secret, now);
		expect(openSession(cookie, secret, now + 13 * 3600 * 1000)).not.toBeNull();
		expect(openSession(cookie, secret, now + USER_SESSION_TTL_SECONDS * 1000)).toBeNull();
	});

	it('gives an API-key session the admin role unless the key is read-only', () => {
		expect(sessionRole(openSession(sealSession({ apiKey: 'pbk_a' }, secret, now), secret, now))).toBe('admin');
		const readOnly = openSession(sealSession({ apiKey: 'pbk_a', role: 'viewer' }, secret, now), secret, now);
		expect(readOnly).toEqual({ apiKey: 'pbk_a', role: 'viewer' });
		expect(sessionRole(readOnly)).toBe('viewer');
		expect(isUserSession(readOnly)).toBe(false);
	});

	it('refuses a person’s session without tenant or with an unknown role (sealed by a buggy or older build)', () => {
		const seal = (payload: object) => {
			// Seal arbitrary JSON the way sealSession does, to check the shape check.
			const iv = randomBytes(12);
			const c = createCipheriv('aes-256-gcm', createHash('sha256').update(secret).digest(), iv, { authTagLength: 16 });
			c.setAAD(Buffer.from('plugboard:dashboard-session:v1'));
			const ct = Buffer.concat([c.update(JSON.stringify(payload)), c.final()]);
			return `v1.${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64url')}`;
		};
		const iat = Math.floor(now / 1000);
		expect(openSession(seal({ s: 'pbs_t', t: 'ten_1', r: 'owner', e: 'o@x.test', iat }), secret, now)).not.toBeNull();
		expect(openSession(seal({ s: 'pbs_t', r: 'owner', e: 'o@x.test', iat }), secret, now)).toBeNull();
		expect(openSession(seal({ s: 'pbs_t', t: 'ten_1', r: 'root', e: 'o@x.test', iat }), secret, now)).toBeNull();
		expect(openSession(seal({ s: 'pbs_t', k: 'pbk_x', t: 'ten_1', r: 'owner', e: 'o@x.test', iat }), secret, now)).toBeNull();
		expect(openSession(seal({ k: 'pbk_x', r: 'root', iat }), secret, now)).toBeNull();
	});

	it('sets the cookie lifetime it is given', () => {
		expect(sessionCookieOptions(false, USER_SESSION_TTL_SECONDS).maxAge).toBe(USER_SESSION_TTL_SECONDS);
	});
});
