import { createEventEndpoint, listEventEndpoints, listEventTypes } from '#lib/server/event-endpoints.ts';
import { endpointFieldErrors, readEndpointForm, refill } from '#lib/server/event-endpoint-form.ts';
import { settle } from '#lib/server/api.ts';
import { apiFailure, failWith, flash, ok } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const [endpoints, eventTypes] = await Promise.all([settle(listEventEndpoints(locals.session)), settle(listEventTypes(locals.session))]);
	return {
		now: Date.now(),
		endpoints: endpoints.value?.data ?? [],
		loadError: endpoints.error,
		missing: endpoints.missing,
		eventTypes: eventTypes.value?.data ?? [],
		eventTypesError: eventTypes.error,
		deleted: url.searchParams.get('deleted'),
	};
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const { values, fieldErrors } = readEndpointForm(await request.formData());
		if (Object.keys(fieldErrors).length) return failWith(400, { form: 'create', fieldErrors, values: refill(values) });
		try {
			const { data } = await createEventEndpoint(locals.session, {
				url: values.url,
				description: values.description,
				eventTypes: values.eventTypes.length ? values.eventTypes : null,
			});
			return ok({
				form: 'create',
				revealedSecret: data.secret,
				values: { endpointId: data.id, url: data.url },
				flash: flash('success', `Added ${data.url}. Copy its signing secret now: it is not shown again.`),
			});
		} catch (e) {
			const errors = endpointFieldErrors(e);
			if (Object.keys(errors).length) return failWith(400, { form: 'create', fieldErrors: errors, values: refill(values) });
			return apiFailure(e, { form: 'create', values: refill(values) }, (err) =>
				err.code === 'too_many_endpoints' ? 'You have the most endpoints a tenant can have: delete one first.' : undefined,
			);
		}
	},
};
