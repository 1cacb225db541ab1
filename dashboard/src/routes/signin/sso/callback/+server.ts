import { redirect } from '@sveltejs/kit';
import { sessionFromLogin } from '#lib/server/account.ts';
import { ApiError, finishSso, logout } from '#lib/server/api.ts';
import { writeSession } from '#lib/server/auth.ts';
import { takeFlow } from '#lib/server/sso.ts';
import type { RequestHandler } from './$types';

/**
 * The issuer sends the browser back here (PLUGBOARD_SSO_REDIRECT_URI). The API checks state, PKCE and the ID
 * token against the flow named by this browser's flow cookie, then answers like a password sign-in.
 */
export const GET: RequestHandler = async ({ url, cookies }) => {
	const flow = takeFlow(cookies, url);
	if (!flow) redirect(303, '/signin?sso_error=expired');
	const fail = (code: string): never => redirect(303, `/signin?sso_error=${code}&next=${encodeURIComponent(flow.next)}`);
	if (url.searchParams.has('error')) fail('denied');

	let answer;
	try {
		answer = (await finishSso(flow.flowId, url.href)).data;
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		return fail(error.code === 'no_account' ? 'no_account' : error.code === 'sso_flow_expired' || error.code === 'sso_flow_unknown' ? 'expired' : 'failed');
	}
	const session = sessionFromLogin(answer);
	if (!session) {
		await logout({ sessionToken: answer.sessionToken, tenantId: '', role: 'viewer', email: answer.user.email }).catch(() => undefined);
		return fail('no_tenant');
	}
	writeSession(cookies, session, url);
	return redirect(303, flow.next);
};
