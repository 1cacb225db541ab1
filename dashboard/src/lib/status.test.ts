import { describe, expect, it } from 'vitest';
import { availableActions, connectionState, integrationBadge } from './status.ts';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('connectionState', () => {
	it('shows pending as Authorizing while a connect flow is open, else Not connected', () => {
		expect(connectionState({ status: 'pending', authorizationExpiresAt: '2026-01-01T00:05:00Z' }, now)).toBe('authorizing');
		expect(connectionState({ status: 'pending', authorizationExpiresAt: '2025-12-31T23:55:00Z' }, now)).toBe('not_connected');
		expect(connectionState({ status: 'pending', authorizationExpiresAt: null }, now)).toBe('not_connected');
		expect(integrationBadge({ status: 'pending', authorizationExpiresAt: null }, now).label).toBe('Not connected');
	});

	it('tolerates a status a newer API adds', () => {
		expect(integrationBadge({ status: 'paused' as never, authorizationExpiresAt: null }, now)).toMatchObject({ label: 'paused', tone: 'neutral' });
	});
});

describe('availableActions', () => {
	it('offers what each state allows', () => {
		expect(availableActions('not_connected')).toEqual({ connect: true, reconnect: false, refresh: false, disconnect: false });
		expect(availableActions('active')).toEqual({ connect: false, reconnect: false, refresh: true, disconnect: true });
		expect(availableActions('error')).toEqual({ connect: false, reconnect: true, refresh: true, disconnect: true });
		expect(availableActions('disconnected')).toEqual({ connect: true, reconnect: false, refresh: false, disconnect: false });
	});
});
