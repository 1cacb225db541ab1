import { fail, redirect } from '@sveltejs/kit';
import { describeSignInFailure } from '#lib/messages.ts';
import { sessionFromLogin, looksLikeEmail } from '#lib/server/account.ts';
import { ApiError, describeApiError, getSsoInfo, login, logout, verifyApiKey } from '#lib/server/api.ts';
import { writeSession } from '#lib/server/auth.ts';
import { SSO_ERRORS } from '#lib/server/sso.ts';
import { safeNext } from '#lib/server/redirect.ts';
import type { Actions, PageServerLoad } from './$types';

const NOTICES: Record<string, string> = {
	ended: 'Your session has ended: you signed out elsewhere, or your access was changed. Sign in again.',
	signedout: 'You are signed out.',
	everywhere: 'You are signed out on every device.',
};

export const load: PageServerLoad = async ({ locals, url }) => {
	const next = safeNext(url.searchParams.get('next'));
	if (locals.session) redirect(303, next);
	let sso: { enabled: boolean; name: string | null } = { enabled: false, name: null };
	try {
		const { data } = await getSsoInfo();
		sso = { enabled: data.enabled === true, name: data.name ?? null };
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		// No SSO answer (an older API, or it is down): the password and API-key sign-in still show.
	}
	return { next, sso, notice: NOTICES[url.searchParams.get('reason') ?? ''] ?? null, ssoError: SSO_ERRORS[url.searchParams.get('sso_error') ?? ''] ?? null };
};

export const actions: Actions = {
	/**
	 * One form for both ways in: email + password (a person), or an API key (the original sign-in, for a
	 * backend's key). Whichever is filled in is used; the password and the key are never echoed back.
	 */
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const next = safeNext(form.get('next'));
		const field = (name: string, max: number) => {
			const v = form.get(name);
			return typeof v === 'string' ? v.slice(0, max) : '';
		};
		const email = field('email', 300).trim();
		const password = field('password', 1000);
		const apiKey = field('apiKey', 600).trim();

		if (email || password) {
			const values = { email };
			if (!email || !looksLikeEmail(email)) return fail(400, { next, values, error: 'Enter the email address of your account.' });
			if (!password) return fail(400, { next, values, error: 'Enter your password.' });
			let answer;
			try {
				answer = (await login(email, password)).data;
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				const message = error.status < 500 && error.code !== 'api_unreachable' ? describeSignInFailure(error) : describeApiError(error);
				return fail(error.status >= 400 && error.status < 600 ? error.status : 503, { next, values, error: message });
			}
			const session = sessionFromLogin(answer);
			if (!session) {
				await logout({ sessionToken: answer.sessionToken, tenantId: '', role: 'viewer', email }).catch(() => undefined);
				return fail(403, { next, values, error: 'Your account is not a member of any tenant yet. Ask an owner to invite you.' });
			}
			writeSession(cookies, session, url);
			redirect(303, next);
		}

		// The key is never echoed back into the page.
		if (!apiKey) return fail(400, { next, values: { email: '' }, error: 'Enter your email and password, or an API key.' });
		if (apiKey.length > 512 || /\s/.test(apiKey)) return fail(400, { next, values: { email: '' }, error: 'That does not look like a Plugboard API key.' });

		let me;
		try {
			me = await verifyApiKey(apiKey);
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			if (error.status === 401) return fail(401, { next, values: { email: '' }, error: 'That API key is not valid or has been revoked.' });
			return fail(503, { next, values: { email: '' }, error: describeApiError(error) });
		}

		writeSession(cookies, { apiKey, tenantId: me.tenantId, tenantName: me.name, ...(me.scope === 'read_only' ? { role: 'viewer' as const } : {}) }, url);
		redirect(303, next);
	},
};
