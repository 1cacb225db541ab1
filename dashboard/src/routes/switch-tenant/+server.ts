import { error, redirect } from '@sveltejs/kit';
import { getAuthSession } from '#lib/server/api.ts';
import { switchTenant } from '#lib/server/account.ts';
import { writeSession } from '#lib/server/auth.ts';
import { isUserSession } from '#lib/server/session.ts';
import type { RequestHandler } from './$types';

/** The tenant switcher in the header: moves a person's session to another tenant they are a member of. */
export const POST: RequestHandler = async ({ request, locals, cookies, url }) => {
	const session = locals.session;
	if (!isUserSession(session)) error(400, 'Only a person signed in with an account can switch tenants.');
	const tenantId = String((await request.formData()).get('tenantId') ?? '').slice(0, 100);
	// The memberships as the API knows them now, not as the page showed them.
	const { data } = await getAuthSession(session);
	const next = switchTenant(session, data.memberships, tenantId);
	if (!next) error(403, 'You are not a member of that tenant.');
	writeSession(cookies, next, url);
	locals.session = next;
	redirect(303, '/');
};
