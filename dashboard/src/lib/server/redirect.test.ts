import { describe, expect, it } from 'vitest';
import { relativeUrl, safeNext, signinPath } from './redirect.ts';

describe('safeNext', () => {
	it('keeps same-origin relative paths with their query and hash', () => {
		expect(safeNext('/')).toBe('/');
		expect(safeNext('/integrations/int_1?tab=logs#recent')).toBe('/integrations/int_1?tab=logs#recent');
		expect(safeNext('/a/./b/../c')).toBe('/a/c');
	});

	it.each([
		['protocol-relative', '//evil.example/path'],
		['backslash', '/\\evil.example'],
		['backslash only', '\\\\evil.example'],
		['absolute https', 'https://evil.example/'],
		['javascript:', 'javascript:alert(1)'],
		['data:', 'data:text/html,hi'],
		['tab inside', '/\t/evil.example'],
		['newline inside', '/\n/evil.example'],
		['relative without slash', 'evil.example'],
		['dot segments up to //', '/..//evil.example'],
		['dot segment then //', '/.//evil.example/x'],
		['encoded dot then //', '/%2e//evil.example/x'],
		['encoded slashes', '/%2F%2Fevil.example'],
		['encoded backslash', '/%5Cevil.example'],
		['empty', ''],
		['too long', '/' + 'a'.repeat(3000)],
	])('falls back for %s', (_name, value) => {
		expect(safeNext(value)).toBe('/');
	});

	it('falls back for non-string form values', () => {
		expect(safeNext(null)).toBe('/');
		expect(safeNext(undefined)).toBe('/');
		expect(safeNext(42)).toBe('/');
	});

	it('uses the given fallback', () => {
		expect(safeNext('//evil.example', '/home')).toBe('/home');
	});
});

describe('signinPath', () => {
	it('carries the current relative URL as an encoded next', () => {
		expect(signinPath('/')).toBe('/signin?next=%2F');
		expect(signinPath(relativeUrl(new URL('http://localhost:3000/integrations?status=error')))).toBe('/signin?next=%2Fintegrations%3Fstatus%3Derror');
	});

	it('never carries an unsafe next', () => {
		expect(signinPath('//evil.example')).toBe('/signin?next=%2F');
	});
});
