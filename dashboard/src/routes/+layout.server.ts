import { config } from '#lib/server/config.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
	signedIn: locals.session !== null,
	tenantName: locals.session?.tenantName ?? null,
	temporalUiUrl: config().temporalUiUrl,
});
