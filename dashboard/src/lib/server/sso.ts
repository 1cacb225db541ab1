import type { Cookies } from '@sveltejs/kit';
import { isSecureOrigin } from './auth.ts';
import { safeNext } from './redirect.ts';

/**
 * The SSO flow cookie: which flow (the API keeps its state, nonce and PKCE verifier under `flowId`) this browser
 * started, and where to go afterwards. httpOnly, 10 minutes, only sent to /signin/sso: a callback without it
 * (another browser, a forged link: login CSRF) is refused.
 */
export const SSO_FLOW_COOKIE = 'pb_sso_flow';
export const SSO_FLOW_TTL_SECONDS = 10 * 60;
const FLOW_ID = /^[A-Za-z0-9_-]{8,200}$/;

export interface SsoFlow {
	flowId: string;
	next: string;
}

export function encodeFlow(flow: SsoFlow): string {
	return Buffer.from(JSON.stringify({ f: flow.flowId, n: safeNext(flow.next) }), 'utf8').toString('base64url');
}

export function decodeFlow(value: string | undefined): SsoFlow | null {
	if (!value || value.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
	try {
		const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
		if (typeof parsed !== 'object' || parsed === null) return null;
		const { f, n } = parsed as Record<string, unknown>;
		if (typeof f !== 'string' || !FLOW_ID.test(f)) return null;
		return { flowId: f, next: safeNext(n) };
	} catch {
		return null;
	}
}

function options(requestUrl: URL) {
	return { path: '/signin/sso', httpOnly: true, sameSite: 'lax' as const, secure: isSecureOrigin(requestUrl), maxAge: SSO_FLOW_TTL_SECONDS };
}

export function writeFlow(cookies: Cookies, flow: SsoFlow, requestUrl: URL): void {
	cookies.set(SSO_FLOW_COOKIE, encodeFlow(flow), options(requestUrl));
}

/** The flow this browser started, read once: the cookie is deleted whatever the outcome. */
export function takeFlow(cookies: Cookies, requestUrl: URL): SsoFlow | null {
	const flow = decodeFlow(cookies.get(SSO_FLOW_COOKIE));
	const { maxAge: _maxAge, ...attributes } = options(requestUrl);
	cookies.delete(SSO_FLOW_COOKIE, attributes);
	return flow;
}

/** Messages for `/signin?sso_error=<code>`: only codes travel in the URL, never text someone could inject. */
export const SSO_ERRORS: Record<string, string> = {
	expired: 'The sign-in took too long or was started in another browser. Try again.',
	denied: 'The identity provider did not sign you in.',
	no_account: 'There is no Plugboard account for you yet. Ask an owner of your team to invite you.',
	no_tenant: 'Your account is not a member of any tenant yet. Ask an owner to invite you.',
	disabled: 'Single sign-on is not configured.',
	failed: 'Single sign-on failed. Try again, or sign in with your password.',
};
