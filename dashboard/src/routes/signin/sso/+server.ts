import { redirect } from '@sveltejs/kit';
import { ApiError, startSso } from '#lib/server/api.ts';
import { safeNext } from '#lib/server/redirect.ts';
import { writeFlow } from '#lib/server/sso.ts';
import type { RequestHandler } from './$types';

/** "Sign in with SSO": the API starts the flow (state, nonce, PKCE S256 kept server-side); the browser goes to the issuer. */
export const GET: RequestHandler = async ({ url, cookies, locals }) => {
	const next = safeNext(url.searchParams.get('next'));
	if (locals.session) redirect(303, next);
	let started;
	try {
		started = (await startSso()).data;
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		redirect(303, `/signin?sso_error=${error.code === 'sso_disabled' || error.status === 404 ? 'disabled' : 'failed'}&next=${encodeURIComponent(next)}`);
	}
	const target = new URL(started.authorizationUrl);
	if (target.protocol !== 'https:' && target.protocol !== 'http:') redirect(303, '/signin?sso_error=failed');
	writeFlow(cookies, { flowId: started.flowId, next }, url);
	// The identity provider's authorization endpoint is another origin by design (checked http(s) above).
	redirect(303, target.href, { external: true });
};
