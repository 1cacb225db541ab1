import { error, redirect } from '@sveltejs/kit';
import { ApiError, settle } from '#lib/server/api.ts';
import {
	deleteEventEndpoint,
	ENDPOINT_ID,
	getEventEndpoint,
	listEndpointDeliveries,
	listEventTypes,
	replayEndpointDeliveries,
	rotateEventEndpointSecret,
	updateEventEndpoint,
} from '#lib/server/event-endpoints.ts';
import { endpointFieldErrors, readEndpointForm, refill } from '#lib/server/event-endpoint-form.ts';
import { apiFailure, failWith, flash, ok, text } from '#lib/server/forms.ts';
import { DELIVERY_STATUS_FILTERS, inputFromTime, sinceFromInput } from '#lib/event-endpoints.ts';
import { readPage } from '#lib/pagination.ts';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 20;

export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!ENDPOINT_ID.test(params.id)) error(404, 'Event endpoint not found');
	const now = Date.now();
	const status = DELIVERY_STATUS_FILTERS.find((s) => s.value === url.searchParams.get('status'))?.value ?? null;
	const deliveriesPage = readPage(url.searchParams);
	const [endpoint, deliveries, eventTypes] = await Promise.all([
		settle(getEventEndpoint(locals.session, params.id)),
		settle(listEndpointDeliveries(locals.session, params.id, { status, cursor: deliveriesPage.cursor, limit: PAGE_SIZE })),
		settle(listEventTypes(locals.session)),
	]);
	if (!endpoint.value) {
		// Another tenant's endpoint is "not found" too: the API scopes every query to the session key's tenant.
		if (endpoint.error && /not found/i.test(endpoint.error)) error(404, 'Event endpoint not found');
		error(503, endpoint.error ?? 'The event endpoint could not be loaded.');
	}
	return {
		now,
		endpoint: endpoint.value.data,
		eventTypes: eventTypes.value?.data ?? [],
		eventTypesError: eventTypes.error,
		deliveries: {
			items: deliveries.value?.data ?? [],
			nextCursor: deliveries.value?.nextCursor ?? null,
			error: deliveries.error,
			status,
			page: deliveriesPage,
		},
		/** The replay form's default: a day ago. */
		defaultSince: inputFromTime(now - 86_400_000),
	};
};

export const actions: Actions = {
	update: async ({ request, locals, params }) => {
		const { values, fieldErrors } = readEndpointForm(await request.formData());
		if (Object.keys(fieldErrors).length) return failWith(400, { form: 'settings', fieldErrors, values: refill(values) });
		try {
			await updateEventEndpoint(locals.session, params.id, {
				url: values.url,
				description: values.description,
				eventTypes: values.eventTypes.length ? values.eventTypes : null,
			});
		} catch (e) {
			const errors = endpointFieldErrors(e);
			if (Object.keys(errors).length)
				return failWith(400, { form: 'settings', fieldErrors: errors, values: refill(values), flash: flash('error', 'Check the highlighted fields.') });
			return apiFailure(e, { form: 'settings', values: refill(values) });
		}
		return ok({ form: 'settings', flash: flash('success', 'Endpoint saved.') });
	},

	enable: async ({ locals, params }) => {
		try {
			await updateEventEndpoint(locals.session, params.id, { enabled: true });
		} catch (e) {
			return apiFailure(e, { form: 'status' });
		}
		return ok({
			form: 'status',
			flash: flash('success', 'Endpoint re-enabled: new events go to it again. Replay the failed ones below to send what it missed.'),
		});
	},

	disable: async ({ locals, params }) => {
		try {
			await updateEventEndpoint(locals.session, params.id, { enabled: false });
		} catch (e) {
			return apiFailure(e, { form: 'status' });
		}
		return ok({ form: 'status', flash: flash('success', 'Endpoint disabled: Plugboard sends it nothing until you re-enable it.') });
	},

	rotate: async ({ locals, params }) => {
		try {
			const { data } = await rotateEventEndpointSecret(locals.session, params.id);
			return ok({
				form: 'secret',
				revealedSecret: data.secret,
				flash: flash('success', 'New signing secret created. Copy it now: it is not shown again.'),
			});
		} catch (e) {
			return apiFailure(e, { form: 'secret' });
		}
	},

	replay: async ({ request, locals, params }) => {
		const form = await request.formData();
		const sinceInput = text(form, 'since', 40);
		const onlyFailed = text(form, 'onlyFailed') !== 'no';
		const since = sinceFromInput(sinceInput);
		if (!since)
			return failWith(400, {
				form: 'replay',
				values: { since: sinceInput },
				fieldErrors: { since: 'Enter a date and time (UTC), such as 2026-12-01 09:00.' },
			});
		try {
			const { data } = await replayEndpointDeliveries(locals.session, params.id, { since, onlyFailed });
			const what = onlyFailed ? 'failed deliveries' : 'deliveries';
			const count = data.requeued === 1 ? `1 ${what.replace('deliveries', 'delivery')}` : `${data.requeued} ${what}`;
			const message =
				data.requeued === 0
					? `Nothing to replay: no ${what} since ${since.slice(0, 16).replace('T', ' ')} UTC.`
					: `Queued ${count} since ${since.slice(0, 16).replace('T', ' ')} UTC for another attempt.${data.more ? ' There are more: replay again.' : ''}${data.enabled ? '' : ' The endpoint is disabled: re-enable it, or they fail again.'}`;
			return ok({ form: 'replay', values: { since: sinceInput }, flash: flash(data.requeued === 0 ? 'info' : 'success', message) });
		} catch (e) {
			return apiFailure(e, { form: 'replay', values: { since: sinceInput } });
		}
	},

	delete: async ({ request, locals, params }) => {
		const form = await request.formData();
		const label = text(form, 'label', 2000) || 'the endpoint';
		if (text(form, 'confirmed') !== 'yes') return ok({ form: 'delete', confirm: { action: 'delete', id: params.id } });
		try {
			await deleteEventEndpoint(locals.session, params.id);
		} catch (e) {
			if (e instanceof ApiError && e.status === 404) redirect(303, '/event-endpoints');
			return apiFailure(e, { form: 'delete' });
		}
		redirect(303, `/event-endpoints?deleted=${encodeURIComponent(label)}`);
	},
};
