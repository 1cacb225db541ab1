import { error } from '@sveltejs/kit';
import { settle } from '#lib/server/api.ts';
import { DELIVERY_ID, ENDPOINT_ID, getEndpointDelivery, getEventEndpoint, listDeliveryAttempts } from '#lib/server/event-endpoints.ts';
import { readPage } from '#lib/pagination.ts';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!ENDPOINT_ID.test(params.id) || !DELIVERY_ID.test(params.deliveryId)) error(404, 'Delivery not found');
	const attemptsPage = readPage(url.searchParams);
	const [endpoint, delivery, attempts] = await Promise.all([
		settle(getEventEndpoint(locals.session, params.id)),
		settle(getEndpointDelivery(locals.session, params.id, params.deliveryId)),
		settle(listDeliveryAttempts(locals.session, params.id, params.deliveryId, { cursor: attemptsPage.cursor, limit: PAGE_SIZE })),
	]);
	if (!endpoint.value || !delivery.value) {
		// Another tenant's endpoint or delivery is "not found" too: the API scopes every query to the session key's tenant.
		const problem = endpoint.error ?? delivery.error;
		if (problem && /not found/i.test(problem)) error(404, 'Delivery not found');
		error(503, problem ?? 'The delivery could not be loaded.');
	}
	return {
		now: Date.now(),
		endpoint: endpoint.value.data,
		delivery: delivery.value.data,
		attempts: { items: attempts.value?.data ?? [], nextCursor: attempts.value?.nextCursor ?? null, error: attempts.error, page: attemptsPage },
	};
};
