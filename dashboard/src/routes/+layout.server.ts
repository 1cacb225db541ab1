import { getAuthSession } from '#lib/server/api.ts';
import { writeSession } from '#lib/server/auth.ts';
import { config } from '#lib/server/config.ts';
import { openIncidents } from '#lib/server/incidents.ts';
import { isUserSession, sessionRole } from '#lib/server/session.ts';
import type { Membership } from '#lib/types.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, url, cookies }) => {
	let memberships: Membership[] = [];
	const session = locals.session;
	if (isUserSession(session)) {
		// Every navigation asks the API who this is: a revoked session (401) or a removed member (403 not_a_member)
		// is sent to sign-in by apiFetch, and a changed role or tenant name is taken over into the cookie.
		const { data } = await getAuthSession(session);
		memberships = data.memberships;
		const current = memberships.find((m) => m.tenantId === session.tenantId);
		const role = data.role ?? current?.role ?? session.role;
		const tenantName = current?.tenantName ?? session.tenantName;
		if (role !== session.role || tenantName !== session.tenantName) {
			locals.session = { ...session, role, ...(tenantName ? { tenantName } : {}) };
			writeSession(cookies, locals.session, url);
		}
	}
	const current = locals.session;
	return {
		signedIn: current !== null,
		tenantName: current?.tenantName ?? null,
		role: sessionRole(current),
		/** The person signed in (null for an API-key session). */
		email: isUserSession(current) ? current.email : null,
		tenantId: current?.tenantId ?? null,
		memberships,
		temporalUiUrl: config().temporalUiUrl,
		// Read on every navigation (the path is a dependency): the incident banner comes and goes with the incident.
		incidents: url.pathname ? await openIncidents(current) : [],
		now: Date.now(),
	};
};
