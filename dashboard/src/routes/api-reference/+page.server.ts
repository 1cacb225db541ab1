import { error } from '@sveltejs/kit';
import { apiReference } from '#lib/openapi.ts';
import { config } from '#lib/server/config.ts';
import type { PageServerLoad } from './$types';

/** The API's own OpenAPI document (public: no key needed), reduced to what the reference page shows. */
export const load: PageServerLoad = async ({ fetch }) => {
	let response: Response;
	try {
		response = await fetch(`${config().apiUrl}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
	} catch {
		error(503, 'The Plugboard API could not be reached for its OpenAPI document.');
	}
	if (!response.ok) error(502, `The Plugboard API answered HTTP ${response.status} for its OpenAPI document.`);
	return { reference: apiReference(await response.json()), specUrl: '/api-reference/openapi.json' };
};
