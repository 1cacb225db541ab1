import { fail, redirect } from '@sveltejs/kit';
import { ApiError, describeApiError, verifyApiKey } from '#lib/server/api.ts';
import { writeSession } from '#lib/server/auth.ts';
import { safeNext } from '#lib/server/redirect.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	const next = safeNext(url.searchParams.get('next'));
	if (locals.session) redirect(303, next);
	return { next };
};

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const next = safeNext(form.get('next'));
		const apiKey = String(form.get('apiKey') ?? '').trim();
		// The key is never echoed back into the page.
		if (!apiKey) return fail(400, { next, error: 'Enter your API key.' });
		if (apiKey.length > 512 || /\s/.test(apiKey)) return fail(400, { next, error: 'That does not look like a Plugboard API key.' });

		let me;
		try {
			me = await verifyApiKey(apiKey);
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			if (error.status === 401) return fail(401, { next, error: 'That API key is not valid or has been revoked.' });
			return fail(503, { next, error: describeApiError(error) });
		}

		writeSession(cookies, { apiKey, tenantId: me.tenantId, tenantName: me.name }, url);
		redirect(303, next);
	},
};
