import type { IntegrationStatus } from './types.ts';

/** How each integration status is shown: always a word plus a colour, never colour alone. */
export type StatusTone = 'info' | 'success' | 'danger' | 'neutral';

export interface StatusBadge {
	label: string;
	tone: StatusTone;
	/** Read by screen readers and shown as help text. */
	description: string;
}

export const STATUS_BADGES = {
	pending: { label: 'Pending', tone: 'info', description: 'Waiting for authorization to complete.' },
	active: { label: 'Active', tone: 'success', description: 'Connected; tokens are kept fresh.' },
	error: { label: 'Error', tone: 'danger', description: 'Needs attention; see the last error.' },
	disconnected: { label: 'Disconnected', tone: 'neutral', description: 'Not connected.' },
} as const satisfies Record<IntegrationStatus, StatusBadge>;

/** The badge for a status, tolerating statuses a newer API may add. */
export function statusBadge(status: string): StatusBadge {
	return Object.hasOwn(STATUS_BADGES, status)
		? STATUS_BADGES[status as IntegrationStatus]
		: { label: status, tone: 'neutral', description: 'Unknown status.' };
}
