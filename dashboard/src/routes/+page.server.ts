import { ApiError, describeApiError, listIntegrations, listProviders } from '#lib/server/api.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const now = Date.now();
	try {
		const [integrations, providers] = await Promise.all([
			listIntegrations(locals.session, { limit: 200 }),
			listProviders(locals.session),
		]);
		return { now, integrations: integrations.data, more: Boolean(integrations.nextCursor), providers: providers.data, loadError: null };
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		return { now, integrations: [], more: false, providers: [], loadError: describeApiError(error) };
	}
};
