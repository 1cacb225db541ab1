import type { StatusBadge } from './status.ts';
import type { EventDeliveryStatus, EventEndpoint } from './types.ts';

/** How the event-endpoint pages show states: a word plus a colour (as status.ts does for integrations). */
export const DELIVERY_BADGES = {
	pending: { label: 'Pending', tone: 'info', description: 'Waiting for its next attempt.' },
	delivered: { label: 'Delivered', tone: 'success', description: 'The endpoint answered 2xx.' },
	failed: { label: 'Failed', tone: 'danger', description: 'Every attempt failed, or the endpoint was disabled; replay it once the endpoint works.' },
} as const satisfies Record<EventDeliveryStatus, StatusBadge>;

export const DELIVERY_STATUS_FILTERS = (Object.keys(DELIVERY_BADGES) as EventDeliveryStatus[]).map((value) => ({ value, label: DELIVERY_BADGES[value].label }));

export function deliveryBadge(status: string): StatusBadge {
	return Object.hasOwn(DELIVERY_BADGES, status)
		? DELIVERY_BADGES[status as EventDeliveryStatus]
		: { label: status, tone: 'neutral', description: 'A status this dashboard does not know yet.' };
}

export function endpointBadge(endpoint: Pick<EventEndpoint, 'enabled' | 'failingSince'>): StatusBadge {
	if (!endpoint.enabled) return { label: 'Disabled', tone: 'danger', description: 'Plugboard sends this endpoint nothing until it is re-enabled.' };
	if (endpoint.failingSince) return { label: 'Failing', tone: 'warning', description: 'Its recent attempts failed; it is disabled after 5 days of failures.' };
	return { label: 'Enabled', tone: 'success', description: 'Events are delivered to it.' };
}

/**
 * The replay form's date-time: an `<input type="datetime-local">` value read as UTC (the dashboard prints every
 * absolute time in UTC), as the API's ISO 8601; null when it is not one.
 */
export function sinceFromInput(value: string): string | null {
	const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/.exec(value);
	if (!match) return null;
	const iso = `${match[1]}${match[2] ?? ':00'}Z`;
	return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
}

/** The datetime-local value (UTC, to the minute) for a time. */
export function inputFromTime(ms: number): string {
	return new Date(ms).toISOString().slice(0, 16);
}
