/** A provider incident as `GET /api/v1/incidents` returns it (docs/operations.md "Provider incidents"). */
export interface ProviderIncident {
	incidentId: string;
	provider: string;
	status: 'open' | 'resolved';
	reason: string;
	failurePercent: number;
	peakFailurePercent: number;
	startedAt: string;
	resolvedAt: string | null;
}
