import { describe, expect, it } from 'vitest';
import { connectRefusedValues } from './connect-outcome.ts';

describe('a failed connect of a just-added integration', () => {
	it('removes the integration only when the API refused the values (4xx)', () => {
		for (const status of [400, 404, 409, 422]) expect(connectRefusedValues({ status, code: 'invalid_provider_params' }), String(status)).toBe(true);
	});

	it('keeps it on a 5xx, an API timeout or an unreachable API (503): what was typed is not thrown away', () => {
		for (const status of [500, 502, 503, 504]) expect(connectRefusedValues({ status, code: 'api_timeout' }), String(status)).toBe(false);
		expect(connectRefusedValues(new Error('boom'))).toBe(false);
		expect(connectRefusedValues(null)).toBe(false);
	});
});
