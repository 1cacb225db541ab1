import { describe, expect, it } from 'vitest';
import { formAction, withoutFlash } from './action-url.ts';

describe('formAction', () => {
	it('keeps filters and pages, drops flash parameters and other actions', () => {
		expect(formAction({ search: '' }, 'refresh')).toBe('?/refresh');
		expect(formAction({ search: '?status=error&cursor=int_1' }, 'refresh')).toBe('?status=error&cursor=int_1&/refresh');
		expect(formAction({ search: '?integration=int_1&connect=connected&reason=x' }, 'disconnect')).toBe('?/disconnect');
		expect(formAction({ search: '?/refresh&created' }, 'connect')).toBe('?/connect');
	});
});

describe('withoutFlash', () => {
	it('returns the page without one-time parameters', () => {
		expect(withoutFlash({ pathname: '/integrations/int_1', search: '?integration=int_1&connect=connected' })).toBe('/integrations/int_1');
		expect(withoutFlash({ pathname: '/', search: '?status=active&deleted=X' })).toBe('/?status=active');
	});
});
