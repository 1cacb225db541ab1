import { getBranding, settle, updateBranding } from '#lib/server/api.ts';
import { apiFailure, failWith, fieldErrorsFrom, flash, ok, text } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const branding = await settle(getBranding(locals.session));
	return { branding: branding.value?.data ?? null, loadError: branding.error, missing: branding.missing };
};

export const actions: Actions = {
	save: async ({ request, locals }) => {
		const form = await request.formData();
		const values = { displayName: text(form, 'displayName', 200), logoUrl: text(form, 'logoUrl', 2100), accentColor: text(form, 'accentColor', 20) };
		// An empty field clears it: the connect page then shows the tenant name, no logo, the default colour.
		const patch = { displayName: values.displayName || null, logoUrl: values.logoUrl || null, accentColor: values.accentColor || null };
		try {
			await updateBranding(locals.session, patch);
			return ok({ form: 'branding', flash: flash('success', 'Saved. New connect links show this branding.') });
		} catch (e) {
			const fieldErrors = fieldErrorsFrom(e);
			if (Object.keys(fieldErrors).length) return failWith(400, { form: 'branding', fieldErrors, values });
			return apiFailure(e, { form: 'branding', values });
		}
	},
};
