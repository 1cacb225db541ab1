import { config } from '#lib/server/config.ts';
import { openIncidents } from '#lib/server/incidents.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, url }) => ({
	signedIn: locals.session !== null,
	tenantName: locals.session?.tenantName ?? null,
	temporalUiUrl: config().temporalUiUrl,
	// Read on every navigation (the path is a dependency): the incident banner comes and goes with the incident.
	incidents: url.pathname ? await openIncidents(locals.session) : [],
	now: Date.now(),
});
