import { createApiKey, listApiKeys, revokeApiKey, settle } from '#lib/server/api.ts';
import { API_KEY_ID, apiFailure, failWith, fieldErrorsFrom, flash, idField, ok, text } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const keys = await settle(listApiKeys(locals.session));
	return { now: Date.now(), keys: keys.value?.data ?? [], loadError: keys.error, missing: keys.missing };
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await request.formData();
		const name = text(form, 'name', 200);
		const scope = text(form, 'scope', 20) === 'read_only' ? 'read_only' : 'full';
		if (!name) return failWith(400, { form: 'create', fieldErrors: { name: 'Give the key a name, such as the app or team that will use it.' } });
		if (name.length > 100) return failWith(400, { form: 'create', fieldErrors: { name: 'At most 100 characters.' }, values: { name } });
		try {
			const { data } = await createApiKey(locals.session, name, scope);
			const what = scope === 'read_only' ? 'read-only key' : 'key';
			return ok({
				form: 'create',
				revealedSecret: data.apiKey,
				flash: flash('success', `Created the ${what} "${data.name}". Copy the key now: it is not shown again.`),
			});
		} catch (e) {
			const fieldErrors = fieldErrorsFrom(e);
			if (Object.keys(fieldErrors).length) return failWith(400, { form: 'create', fieldErrors, values: { name } });
			return apiFailure(e, { form: 'create', values: { name } });
		}
	},

	revoke: async ({ request, locals }) => {
		const id = idField(await request.formData(), 'id', API_KEY_ID);
		if (!id) return failWith(400, { form: 'keys', flash: flash('error', 'That API key no longer exists.') });
		try {
			const { data } = await revokeApiKey(locals.session, id);
			// Revoking the key of this session signs it out on the next request.
			return ok({ form: 'keys', flash: flash('success', `Revoked "${data.name}". Apps using it now get 401.`) });
		} catch (e) {
			return apiFailure(e, { form: 'keys' }, (err) =>
				err.code === 'last_api_key' ? 'This is your last active key: create another one first, or you would be locked out.' : undefined,
			);
		}
	},
};
