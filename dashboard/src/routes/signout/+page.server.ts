import { redirect } from '@sveltejs/kit';
import { ApiError, logout, logoutAll } from '#lib/server/api.ts';
import { clearSession } from '#lib/server/auth.ts';
import { isUserSession } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({ userSession: isUserSession(locals.session) });

export const actions: Actions = {
	/** Ends this session: a person's at the API too (revoked there, so a copied cookie is worthless); a key stays valid. */
	signout: async ({ cookies, url, locals }) => {
		const session = locals.session;
		if (isUserSession(session)) await ignoreGone(logout(session));
		clearSession(cookies, url);
		locals.session = null;
		redirect(303, '/signin?reason=signedout');
	},

	/** "Sign out everywhere": every session of this person is revoked at once, on every device. */
	everywhere: async ({ cookies, url, locals }) => {
		const session = locals.session;
		if (isUserSession(session)) await ignoreGone(logoutAll(session));
		clearSession(cookies, url);
		locals.session = null;
		redirect(303, '/signin?reason=everywhere');
	},
};

/** A session the API no longer knows (401) is signed out already. Other failures surface: the person must know it did not work. */
async function ignoreGone(call: Promise<unknown>): Promise<void> {
	try {
		await call;
	} catch (error) {
		if (error instanceof ApiError && (error.status === 401 || error.code === 'not_a_member')) return;
		throw error;
	}
}
