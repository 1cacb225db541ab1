import { error, fail, redirect } from '@sveltejs/kit';
import { describeSignInFailure } from '#lib/messages.ts';
import { MIN_PASSWORD_LENGTH, sessionFromLogin } from '#lib/server/account.ts';
import { acceptInvitation, ApiError, describeApiError, getInvitation } from '#lib/server/api.ts';
import { writeSession } from '#lib/server/auth.ts';
import { isUserSession } from '#lib/server/session.ts';
import type { InvitationInfo, LoginAnswer } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

const TOKEN = /^[A-Za-z0-9_~.-]{8,300}$/;

async function invitation(token: string): Promise<InvitationInfo> {
	if (!TOKEN.test(token)) error(404, 'This invitation link is not valid. Check that you copied all of it.');
	try {
		return (await getInvitation(token)).data;
	} catch (e) {
		if (!(e instanceof ApiError)) throw e;
		if (e.status === 404) error(404, 'This invitation link is not valid, or the invitation was withdrawn.');
		error(e.status >= 500 ? 503 : e.status, describeApiError(e));
	}
}

export const load: PageServerLoad = async ({ params, locals }) => {
	const info = await invitation(params.token);
	return {
		invitation: info,
		/** A person already signed in can accept as themselves. */
		signedInAs: isUserSession(locals.session) ? locals.session.email : null,
		minPasswordLength: MIN_PASSWORD_LENGTH,
	};
};

/** Signs the browser in to the tenant of the invitation just accepted. */
function signInTo(answer: LoginAnswer & { tenantId?: string }, cookies: Parameters<Actions[string]>[0]['cookies'], url: URL): never {
	// The API names the tenant joined by id (two tenants may share a name).
	const tenantId = answer.memberships.some((m) => m.tenantId === answer.tenantId) ? answer.tenantId : undefined;
	const session = sessionFromLogin(answer, tenantId);
	if (!session) error(502, 'The invitation was accepted, but the API did not return the membership. Sign in to continue.');
	writeSession(cookies, session, url);
	redirect(303, '/');
}

export const actions: Actions = {
	/** A new person: name and password. */
	accept: async ({ params, request, cookies, url }) => {
		await invitation(params.token); // a link that is no longer valid answers its page, not the form
		const form = await request.formData();
		const name = String(form.get('name') ?? '')
			.trim()
			.slice(0, 200);
		const password = String(form.get('password') ?? '').slice(0, 1000);
		const values = { name };
		if (!name) return fail(400, { values, fieldErrors: { name: 'Enter your name.' } as Record<string, string>, error: null });
		if (password.length < MIN_PASSWORD_LENGTH) {
			return fail(400, { values, fieldErrors: { password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` } as Record<string, string>, error: null });
		}
		let answer;
		try {
			answer = (await acceptInvitation(params.token, { name, password })).data;
		} catch (e) {
			if (!(e instanceof ApiError)) throw e;
			const fieldErrors: Record<string, string> = {};
			for (const d of e.details) {
				const field = d.path.split('.').pop();
				if (field && !fieldErrors[field]) fieldErrors[field] = d.message;
			}
			return fail(e.status >= 400 && e.status < 600 ? e.status : 502, {
				values,
				fieldErrors,
				error: e.status < 500 ? describeSignInFailure(e) : describeApiError(e),
			});
		}
		signInTo(answer, cookies, url);
	},

	/** A person already signed in joins with their account. */
	acceptAsMe: async ({ params, locals, cookies, url }) => {
		await invitation(params.token);
		const session = locals.session;
		if (!isUserSession(session)) return fail(400, { values: { name: '' }, fieldErrors: {} as Record<string, string>, error: 'Sign in first.' });
		let answer;
		try {
			answer = (await acceptInvitation(params.token, { session })).data;
		} catch (e) {
			if (!(e instanceof ApiError)) throw e;
			return fail(e.status >= 400 && e.status < 600 ? e.status : 502, {
				values: { name: '' },
				fieldErrors: {} as Record<string, string>,
				error: describeApiError(e),
			});
		}
		signInTo(
			{ ...answer, sessionToken: answer.sessionToken ?? session.sessionToken, user: answer.user ?? { id: '', email: session.email, name: null } },
			cookies,
			url,
		);
	},
};
