import { error } from '@sveltejs/kit';
import { config } from '#lib/server/config.ts';
import type { RequestHandler } from './$types';

/** The raw document, for download from the reference page (the dashboard's origin may not reach the API's). */
export const GET: RequestHandler = async ({ fetch }) => {
	const response = await fetch(`${config().apiUrl}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
	if (!response?.ok) error(502, 'The Plugboard API did not answer with its OpenAPI document.');
	return new Response(await response.text(), { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
};
