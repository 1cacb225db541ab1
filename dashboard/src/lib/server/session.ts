import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * The dashboard session: the tenant API key, sealed with AES-256-GCM into the `pb_session` cookie.
 * Pure functions of (value, secret, clock) so they test without SvelteKit; cookie plumbing is in auth.ts.
 */
export interface Session {
	apiKey: string;
	tenantId?: string;
	/** The tenant's name at sign-in, for the header. */
	tenantName?: string;
}

export const SESSION_COOKIE = 'pb_session';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Binds the ciphertext to its purpose, so another AES-GCM blob under the same secret cannot pass as a session. */
const AAD = Buffer.from('plugboard:dashboard-session:v1');
/** Tolerated clock skew between instances for an issued-at in the future. */
const MAX_SKEW_SECONDS = 5 * 60;

interface SealedPayload {
	k: string;
	t?: string;
	n?: string;
	iat: number;
}

function keyFor(secret: string): Buffer {
	return createHash('sha256').update(secret, 'utf8').digest();
}

/** Encrypts and authenticates a session; the cookie value is `v1.<base64url(iv ‖ ciphertext ‖ tag)>`. */
export function sealSession(session: Session, secret: string, now: number = Date.now()): string {
	const payload: SealedPayload = { k: session.apiKey, iat: Math.floor(now / 1000) };
	if (session.tenantId) payload.t = session.tenantId;
	if (session.tenantName) payload.n = session.tenantName.slice(0, 200);
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', keyFor(secret), iv, { authTagLength: TAG_BYTES });
	cipher.setAAD(AAD);
	const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
	return `${VERSION}.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The session in a cookie value, or null when it is missing, malformed, tampered with, or older than 12 h. */
export function openSession(
	value: string | undefined | null,
	secret: string,
	now: number = Date.now(),
	ttlSeconds: number = SESSION_TTL_SECONDS,
): Session | null {
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

	const nowSeconds = Math.floor(now / 1000);
	if (payload.iat > nowSeconds + MAX_SKEW_SECONDS || nowSeconds - payload.iat >= ttlSeconds) return null;
	const session: Session = { apiKey: payload.k };
	if (payload.t) session.tenantId = payload.t;
	if (payload.n) session.tenantName = payload.n;
	return session;
}

function isPayload(value: unknown): value is SealedPayload {
	if (typeof value !== 'object' || value === null) return false;
	const p = value as Record<string, unknown>;
	return (
		typeof p.k === 'string' &&
		p.k.length > 0 &&
		typeof p.iat === 'number' &&
		Number.isInteger(p.iat) &&
		(p.t === undefined || typeof p.t === 'string') &&
		(p.n === undefined || typeof p.n === 'string')
	);
}

/** Cookie attributes for the session: never readable by scripts, not sent on cross-site subrequests. */
export function sessionCookieOptions(secure: boolean) {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: SESSION_TTL_SECONDS };
}
