import { error } from '@sveltejs/kit';
import { getIntegration, getWebhookEvent, listProviders, retryWebhookEvent, settle } from '#lib/server/api.ts';
import { apiFailure, EVENT_ID, flash, INTEGRATION_ID, ok } from '#lib/server/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	if (!INTEGRATION_ID.test(params.id) || !EVENT_ID.test(params.eventId)) error(404, 'Webhook event not found');
	const [integration, event, providers] = await Promise.all([
		settle(getIntegration(locals.session, params.id)),
		settle(getWebhookEvent(locals.session, params.eventId)),
		settle(listProviders(locals.session)),
	]);
	if (!integration.value) error(/not found/i.test(integration.error ?? '') ? 404 : 503, integration.error ?? 'The integration could not be loaded.');
	if (event.missing) error(501, 'Webhook events are not available from this API version yet.');
	if (!event.value || event.value.data.integrationId !== params.id) {
		error(event.error && !/not found/i.test(event.error) ? 503 : 404, event.error && !/not found/i.test(event.error) ? event.error : 'Webhook event not found');
	}
	return {
		now: Date.now(),
		integration: integration.value.data,
		provider: providers.value?.data.find((p) => p.key === integration.value!.data.provider) ?? null,
		event: event.value.data,
	};
};

export const actions: Actions = {
	retryEvent: async ({ locals, params }) => {
		try {
			await retryWebhookEvent(locals.session, params.eventId);
		} catch (e) {
			return apiFailure(e);
		}
		return ok({ flash: flash('success', 'Retrying this event. Its status updates on this page.') });
	},
};
