import { describe, expect, it } from 'vitest';
import { deliveryBadge, endpointBadge, inputFromTime, sinceFromInput } from './event-endpoints.ts';

describe('event endpoint helpers', () => {
	it('reads the replay form date-time as UTC, and refuses anything else', () => {
		expect(sinceFromInput('2026-12-01T09:30')).toBe('2026-12-01T09:30:00.000Z');
		expect(sinceFromInput('2026-12-01T09:30:15')).toBe('2026-12-01T09:30:15.000Z');
		for (const bad of ['', 'yesterday', '2026-13-01T09:30', '2026-12-01 09:30', '2026-12-01T09:30Z', '2026-12-01T09:30+02:00']) {
			expect(sinceFromInput(bad), bad).toBeNull();
		}
		expect(sinceFromInput(inputFromTime(Date.parse('2026-12-01T09:30:59Z')))).toBe('2026-12-01T09:30:00.000Z');
	});

	it('words every state: disabled before failing, unknown delivery statuses as themselves', () => {
		expect(endpointBadge({ enabled: false, failingSince: '2026-12-01T00:00:00Z' }).label).toBe('Disabled');
		expect(endpointBadge({ enabled: true, failingSince: '2026-12-01T00:00:00Z' }).label).toBe('Failing');
		expect(endpointBadge({ enabled: true, failingSince: null }).label).toBe('Enabled');
		expect(deliveryBadge('delivered')).toMatchObject({ label: 'Delivered', tone: 'success' });
		expect(deliveryBadge('exploded')).toMatchObject({ label: 'exploded', tone: 'neutral' });
	});
});
