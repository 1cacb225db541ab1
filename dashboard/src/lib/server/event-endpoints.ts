import type { EventDelivery, EventDeliveryAttempt, EventDeliveryStatus, EventEndpoint, ReplayResult } from '../types.ts';
import { apiFetch } from './api.ts';
import type { Session } from './session.ts';

/**
 * The event-endpoint routes of the API (docs/webhooks.md "Tenant events"), typed, on the one wrapper `apiFetch`: the session's
 * key, so the API scopes every call to the signed-in tenant. Route files call these, never fetch directly.
 */

export const ENDPOINT_ID = /^wep_[0-9a-z]{26}$/;
export const DELIVERY_ID = /^dlv_[0-9a-z]{26}$/;

const id = (value: string) => encodeURIComponent(value);

function query(params: Record<string, string | number | null | undefined>): string {
	const search = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
	return search.size ? `?${search}` : '';
}

/** The event types an endpoint can subscribe to: the API's own list (lib/events/types.ts), never a copy here. */
export function listEventTypes(session: Session | null) {
	return apiFetch<string[]>(session, '/event-types');
}

export function listEventEndpoints(session: Session | null) {
	return apiFetch<EventEndpoint[]>(session, '/event-endpoints');
}

export function getEventEndpoint(session: Session | null, endpointId: string) {
	return apiFetch<EventEndpoint>(session, `/event-endpoints/${id(endpointId)}`);
}

/** 201 with the signing secret, which the API shows this once. */
export function createEventEndpoint(session: Session | null, input: { url: string; description: string; eventTypes: string[] | null }) {
	return apiFetch<EventEndpoint & { secret: string }>(session, '/event-endpoints', { method: 'POST', json: input });
}

/** `enabled: true` re-enables an endpoint the API disabled (410, or failing for days). */
export function updateEventEndpoint(
	session: Session | null,
	endpointId: string,
	patch: { url?: string; description?: string; eventTypes?: string[] | null; enabled?: boolean },
) {
	return apiFetch<EventEndpoint>(session, `/event-endpoints/${id(endpointId)}`, { method: 'PATCH', json: patch });
}

export function deleteEventEndpoint(session: Session | null, endpointId: string) {
	return apiFetch<undefined>(session, `/event-endpoints/${id(endpointId)}`, { method: 'DELETE' });
}

/** A new secret, shown this once; the previous one keeps signing beside it for 24 h. */
export function rotateEventEndpointSecret(session: Session | null, endpointId: string) {
	return apiFetch<EventEndpoint & { secret: string }>(session, `/event-endpoints/${id(endpointId)}/rotate-secret`, { method: 'POST' });
}

export function listEndpointDeliveries(
	session: Session | null,
	endpointId: string,
	q: { status?: EventDeliveryStatus | null; cursor?: string | null; limit?: number } = {},
) {
	return apiFetch<EventDelivery[]>(session, `/event-endpoints/${id(endpointId)}/deliveries${query(q)}`);
}

export function getEndpointDelivery(session: Session | null, endpointId: string, deliveryId: string) {
	return apiFetch<EventDelivery>(session, `/event-endpoints/${id(endpointId)}/deliveries/${id(deliveryId)}`);
}

export function listDeliveryAttempts(session: Session | null, endpointId: string, deliveryId: string, q: { cursor?: string | null; limit?: number } = {}) {
	return apiFetch<EventDeliveryAttempt[]>(session, `/event-endpoints/${id(endpointId)}/deliveries/${id(deliveryId)}/attempts${query(q)}`);
}

/** Re-queues the endpoint's deliveries created since `since`: the failed ones, or every one. */
export function replayEndpointDeliveries(session: Session | null, endpointId: string, input: { since: string; onlyFailed: boolean }) {
	return apiFetch<ReplayResult>(session, `/event-endpoints/${id(endpointId)}/replay`, { method: 'POST', json: input });
}
