/**
 * API and workflow messages in words a dashboard user understands. The raw text stays available as a detail;
 * these patterns follow the messages the connection workflow writes (workflows/connection.workflow.ts).
 */

interface Rule {
	test: RegExp;
	say: (provider: string) => string;
}

const LAST_ERROR_RULES: Rule[] = [
	{ test: /revoked access/i, say: (p) => `${p} revoked access — reconnect` },
	{ test: /reauthori[sz]ation required|invalid_grant/i, say: (p) => `${p} access expired or was revoked — reconnect` },
	{ test: /misconfigured|invalid_client/i, say: (p) => `The ${p} app credentials were rejected — check client id/secret` },
	{ test: /refresh failed after retries|retrying automatically/i, say: (p) => `${p} could not be reached to refresh the token — retrying automatically` },
	{ test: /no oauth app is configured|missing_client_credentials/i, say: (p) => `No ${p} app is configured — enter a client id and secret` },
];

/** The last error of an integration, phrased for people; unknown messages pass through unchanged. */
export function describeLastError(message: string | null | undefined, providerName: string): string | null {
	if (!message) return null;
	const rule = LAST_ERROR_RULES.find((r) => r.test.test(message));
	return rule ? rule.say(providerName) : message;
}

/** Whether the friendly text hides detail worth showing (the raw message differs). */
export function hasMoreDetail(message: string | null | undefined, providerName: string): boolean {
	return Boolean(message) && describeLastError(message, providerName) !== message;
}

const CONNECT_REASONS: Record<string, (p: string) => string> = {
	access_denied: (p) => `You declined access at ${p}, so nothing was connected.`,
	exchange_failed: (p) => `${p} sent you back, but exchanging the authorization code failed. See the activity log, then try again.`,
	invalid_scope: (p) => `${p} rejected the requested scopes.`,
	server_error: (p) => `${p} had a problem. Try again in a moment.`,
	temporarily_unavailable: (p) => `${p} is temporarily unavailable. Try again in a moment.`,
	login_required: (p) => `${p} needs you to sign in again.`,
	consent_required: (p) => `${p} needs your consent to continue.`,
};

/** The flash for `?connect=connected|error&reason=…` after the provider sent the browser back. */
export function describeConnectOutcome(
	connect: string | null,
	reason: string | null,
	providerName: string,
): { kind: 'success' | 'error'; message: string } | null {
	if (connect === 'connected') return { kind: 'success', message: `${providerName} is connected.` };
	if (connect !== 'error') return null;
	const explain = reason ? CONNECT_REASONS[reason] : undefined;
	return {
		kind: 'error',
		message: explain ? explain(providerName) : `Connecting ${providerName} failed${reason ? ` (${reason.replace(/_/g, ' ')})` : ''}. Try again.`,
	};
}

/** "45 seconds", "1 minute", "15 minutes", "2 hours": how long to wait, rounded up to a whole unit. */
export function formatWait(seconds: number): string {
	const s = Math.max(1, Math.ceil(seconds));
	if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
	const m = Math.ceil(s / 60);
	if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
	const h = Math.ceil(m / 60);
	return `${h} hours`;
}

/** A failed sign-in (password, SSO or invitation) in words, from the API's status, code and retry time. */
export function describeSignInFailure(failure: { status: number; code: string; message: string; retryAfterSeconds?: number | null }): string {
	const wait = failure.retryAfterSeconds != null && failure.retryAfterSeconds > 0 ? formatWait(failure.retryAfterSeconds) : null;
	if (failure.status === 423 || failure.code === 'account_locked') {
		return `Too many failed attempts: this account is locked${wait ? ` for ${wait}` : ' for a while'}. Try again later, or ask an owner for help.`;
	}
	if (failure.status === 429 || failure.code === 'rate_limited') {
		return `Too many sign-in attempts. Wait ${wait ?? 'a moment'} and try again.`;
	}
	if (failure.code === 'invalid_credentials') return 'That email and password do not match an account.';
	if (failure.code === 'no_account') return 'There is no Plugboard account for you yet. Ask an owner of your team to invite you.';
	if (failure.status === 401) return failure.message || 'Sign-in failed.';
	return failure.message;
}
