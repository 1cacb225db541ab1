import type { Integration, WebhookEventStatus } from './types.ts';

/** How a status is shown: always a word plus a colour, never colour alone. */
export type StatusTone = 'info' | 'success' | 'danger' | 'neutral' | 'warning';

export interface StatusBadge {
	label: string;
	tone: StatusTone;
	/** Shown as help text and read by screen readers. */
	description: string;
}

/**
 * What a person sees for an integration. The API's `pending` splits in two: a connect flow is open
 * ("Authorizing") or nobody has connected it yet ("Not connected").
 */
export type ConnectionState = 'authorizing' | 'not_connected' | 'active' | 'error' | 'disconnected';

export const STATUS_BADGES = {
	authorizing: { label: 'Authorizing', tone: 'info', description: 'Waiting for someone to finish signing in at the provider.' },
	not_connected: { label: 'Not connected', tone: 'neutral', description: 'Added, but nobody has connected it yet.' },
	active: { label: 'Active', tone: 'success', description: 'Connected; tokens are kept fresh.' },
	error: { label: 'Error', tone: 'danger', description: 'Needs attention; see the last error.' },
	disconnected: { label: 'Disconnected', tone: 'neutral', description: 'Disconnected; tokens were revoked and deleted.' },
} as const satisfies Record<ConnectionState, StatusBadge>;

export const EVENT_STATUS_BADGES = {
	pending: { label: 'Pending', tone: 'info', description: 'Received and stored; processing has not finished yet.' },
	processed: { label: 'Processed', tone: 'success', description: 'Processed and forwarded.' },
	failed: { label: 'Failed', tone: 'danger', description: 'Processing failed after its retries; you can retry it.' },
} as const satisfies Record<WebhookEventStatus, StatusBadge>;

const UNKNOWN: StatusBadge = { label: 'Unknown', tone: 'neutral', description: 'A status this dashboard does not know yet.' };

export function connectionState(integration: Pick<Integration, 'status' | 'authorizationExpiresAt'>, now: number): ConnectionState | undefined {
	switch (integration.status) {
		case 'pending': {
			const until = integration.authorizationExpiresAt ? Date.parse(integration.authorizationExpiresAt) : NaN;
			return until > now ? 'authorizing' : 'not_connected';
		}
		case 'active':
		case 'error':
		case 'disconnected':
			return integration.status;
		default:
			return undefined; // a status a newer API added
	}
}

export function integrationBadge(integration: Pick<Integration, 'status' | 'authorizationExpiresAt'>, now: number): StatusBadge {
	const state = connectionState(integration, now);
	return state ? STATUS_BADGES[state] : { ...UNKNOWN, label: String(integration.status) };
}

export function eventBadge(status: string): StatusBadge {
	return Object.hasOwn(EVENT_STATUS_BADGES, status) ? EVENT_STATUS_BADGES[status as WebhookEventStatus] : { ...UNKNOWN, label: status };
}

/** Which buttons an integration offers, by state (the API decides what is allowed; this avoids offering dead ends). */
export function availableActions(state: ConnectionState | undefined) {
	return {
		connect: state === 'not_connected' || state === 'authorizing' || state === 'disconnected',
		reconnect: state === 'error',
		refresh: state === 'active' || state === 'error',
		disconnect: state === 'active' || state === 'error',
	};
}

/** Filter options for the integrations list: the API's statuses, in words. */
export const STATUS_FILTERS = [
	{ value: 'active', label: 'Active' },
	{ value: 'error', label: 'Error' },
	{ value: 'pending', label: 'Not connected / authorizing' },
	{ value: 'disconnected', label: 'Disconnected' },
] as const;

export const EVENT_STATUS_FILTERS = [
	{ value: 'pending', label: 'Pending' },
	{ value: 'processed', label: 'Processed' },
	{ value: 'failed', label: 'Failed' },
] as const;
