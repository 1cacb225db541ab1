import type { ProviderIncident } from '../incidents.ts';
import { apiFetch, settle } from './api.ts';
import type { Session } from './session.ts';

/** The open provider incidents that concern the signed-in tenant, for the banner on every page. */
export async function openIncidents(session: Session | null): Promise<ProviderIncident[]> {
	if (!session) return [];
	const result = await settle(apiFetch<ProviderIncident[]>(session, '/incidents?status=open', { timeoutMs: 3_000 }));
	// The banner is a courtesy: a failure to list incidents never breaks the page.
	return result.value?.data ?? [];
}
