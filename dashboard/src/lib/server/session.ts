import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { isRole, type Role } from '../roles.ts';

/**
 * The dashboard session, sealed with AES-256-GCM into the `pb_session` cookie: either a tenant API key (the
 * original sign-in, kept for backends' keys) or a person's server-side session token with the tenant they act
 * in. Pure functions of (value, secret, clock) so they test without SvelteKit; cookie plumbing is in auth.ts.
 */
export interface ApiKeySession {
	apiKey: string;
	tenantId?: string;
	/** The tenant's name at sign-in, for the header. */
	tenantName?: string;
	/** What the key may do: a full key acts as admin, a read-only key as viewer (absent: admin). */
	role?: Role;
}

/** A person signed in with a password or SSO: the API holds the session (revocable); the cookie holds its token. */
export interface UserSession {
	/** `pbs_…`, sent as `Authorization: Bearer` with `X-Plugboard-Tenant`. */
	sessionToken: string;
	tenantId: string;
	role: Role;
	email: string;
	tenantName?: string;
}

export type Session = ApiKeySession | UserSession;

export function isUserSession(session: Session | null | undefined): session is UserSession {
	return session != null && 'sessionToken' in session;
}

/** The role a session acts with (the API decides; the dashboard hides what the role cannot use). */
export function sessionRole(session: Session | null | undefined): Role | null {
	if (!session) return null;
	return session.role ?? 'admin';
}

export const SESSION_COOKIE = 'pb_session';
/** An API-key cookie lasts 12 h. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** A person's cookie lasts as long as the API's session can (7 d); the API ends it sooner when idle 12 h or revoked. */
export const USER_SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;

export function sessionTtlSeconds(session: Session): number {
	return isUserSession(session) ? USER_SESSION_TTL_SECONDS : SESSION_TTL_SECONDS;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Binds the ciphertext to its purpose, so another AES-GCM blob under the same secret cannot pass as a session. */
const AAD = Buffer.from('plugboard:dashboard-session:v1');
/** Tolerated clock skew between instances for an issued-at in the future. */
const MAX_SKEW_SECONDS = 5 * 60;

interface SealedPayload {
	/** API key (API-key session). */
	k?: string;
	/** Session token, role and email (user session). */
	s?: string;
	r?: Role;
	e?: string;
	t?: string;
	n?: string;
	iat: number;
}

function keyFor(secret: string): Buffer {
	return createHash('sha256').update(secret, 'utf8').digest();
}

/** Encrypts and authenticates a session; the cookie value is `v1.<base64url(iv ‖ ciphertext ‖ tag)>`. */
export function sealSession(session: Session, secret: string, now: number = Date.now()): string {
	const payload: SealedPayload = isUserSession(session)
		? { s: session.sessionToken, r: session.role, e: session.email, iat: Math.floor(now / 1000) }
		: { k: session.apiKey, iat: Math.floor(now / 1000), ...(session.role ? { r: session.role } : {}) };
	if (session.tenantId) payload.t = session.tenantId;
	if (session.tenantName) payload.n = session.tenantName.slice(0, 200);
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', keyFor(secret), iv, { authTagLength: TAG_BYTES });
	cipher.setAAD(AAD);
	const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
	return `${VERSION}.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
}

/**
 * The session in a cookie value, or null when it is missing, malformed, tampered with, or older than its lifetime
 * (`ttlSeconds`, else 12 h for an API key and 7 d for a person's session).
 */
export function openSession(value: string | undefined | null, secret: string, now: number = Date.now(), ttlSeconds?: number): Session | null {
	if (!value || value.length > 4096) return null;
	const [version, body, extra] = value.split('.');
	if (version !== VERSION || !body || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body)) return null;
	const raw = Buffer.from(body, 'base64url');
	if (raw.length < IV_BYTES + TAG_BYTES + 1) return null;

	let plaintext: string;
	try {
		const decipher = createDecipheriv('aes-256-gcm', keyFor(secret), raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
		decipher.setAAD(AAD);
		decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
		plaintext = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
	} catch {
		return null; // wrong key or modified bytes: GCM authentication failed
	}

	let payload: unknown;
	try {
		payload = JSON.parse(plaintext);
	} catch {
		return null;
	}
	if (!isPayload(payload)) return null;

	let session: Session;
	if (payload.s !== undefined) {
		session = { sessionToken: payload.s, tenantId: payload.t!, role: payload.r!, email: payload.e! };
	} else {
		session = { apiKey: payload.k! };
		if (payload.t) session.tenantId = payload.t;
		if (payload.r) session.role = payload.r;
	}
	if (payload.n) session.tenantName = payload.n;

	const nowSeconds = Math.floor(now / 1000);
	const ttl = ttlSeconds ?? sessionTtlSeconds(session);
	if (payload.iat > nowSeconds + MAX_SKEW_SECONDS || nowSeconds - payload.iat >= ttl) return null;
	return session;
}

function isPayload(value: unknown): value is SealedPayload {
	if (typeof value !== 'object' || value === null) return false;
	const p = value as Record<string, unknown>;
	const common =
		typeof p.iat === 'number' && Number.isInteger(p.iat) && (p.t === undefined || typeof p.t === 'string') && (p.n === undefined || typeof p.n === 'string');
	if (!common) return false;
	const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
	if (p.s !== undefined) {
		// A person's session names its tenant and role: without them no request can be made on its behalf.
		return p.k === undefined && nonEmpty(p.s) && nonEmpty(p.t) && isRole(p.r) && typeof p.e === 'string';
	}
	return nonEmpty(p.k) && (p.r === undefined || isRole(p.r)) && p.e === undefined;
}

/** Cookie attributes for the session: never readable by scripts, not sent on cross-site subrequests. */
export function sessionCookieOptions(secure: boolean, maxAge: number = SESSION_TTL_SECONDS) {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge };
}
