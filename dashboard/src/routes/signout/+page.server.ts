import { redirect } from '@sveltejs/kit';
import { clearSession } from '#lib/server/auth.ts';
import type { Actions } from './$types';

export const actions: Actions = {
	default: ({ cookies, url, locals }) => {
		clearSession(cookies, url);
		locals.session = null;
		redirect(303, '/signin');
	},
};
