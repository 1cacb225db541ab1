import { getStats, listIntegrations, listProviders, settle } from '#lib/server/api.ts';
import { integrationActions } from '#lib/server/integration-actions.ts';
import { readPage } from '#lib/pagination.ts';
import type { IntegrationStatus } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 50;
const STATUSES: IntegrationStatus[] = ['pending', 'active', 'error', 'disconnected'];
const PROVIDER_KEY = /^[a-z][a-z0-9-]{1,39}$/;

export const load: PageServerLoad = async ({ locals, url }) => {
	const now = Date.now();
	const status = STATUSES.find((s) => s === url.searchParams.get('status')) ?? null;
	const providerParam = url.searchParams.get('provider');
	const provider = providerParam && PROVIDER_KEY.test(providerParam) ? providerParam : null;
	const page = readPage(url.searchParams);

	const [integrations, providers, stats] = await Promise.all([
		settle(listIntegrations(locals.session, { limit: PAGE_SIZE, cursor: page.cursor, status, provider })),
		settle(listProviders(locals.session)),
		settle(getStats(locals.session)),
	]);

	return {
		now,
		filters: { status, provider },
		page,
		integrations: integrations.value?.data ?? [],
		nextCursor: integrations.value?.nextCursor ?? null,
		loadError: integrations.error,
		providers: providers.value?.data ?? [],
		stats: { value: stats.value?.data ?? null, error: stats.error, missing: stats.missing },
		deleted: url.searchParams.get('deleted')?.slice(0, 100) ?? null,
	};
};

export const actions: Actions = integrationActions;
