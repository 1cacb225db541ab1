import { describe, expect, it } from 'vitest';
import { pageLinks, pageNumber, readPage } from './pagination.ts';

const c = (n: number) => `int_${String(n).padStart(26, '0')}`;

describe('cursor pagination in the URL', () => {
	it('walks forward and back through the trail', () => {
		const at = (path: string) => new URL(path, 'http://x.invalid');
		const url1 = at('/?status=active');
		const first = readPage(url1.searchParams);
		expect(pageNumber(first)).toBe(1);
		const links1 = pageLinks(url1, first, c(50));
		expect(links1).toEqual({ first: null, previous: null, next: `/?status=active&cursor=${c(50)}` });

		const url2 = at(links1.next!);
		const second = readPage(url2.searchParams);
		expect(pageNumber(second)).toBe(2);
		const links2 = pageLinks(url2, second, c(100));
		expect(links2.previous).toBe('/?status=active');
		expect(links2.next).toBe(`/?status=active&cursor=${c(100)}&trail=${encodeURIComponent(c(50))}`);

		const url3 = at(links2.next!);
		const third = readPage(url3.searchParams);
		expect(pageNumber(third)).toBe(3);
		const links3 = pageLinks(url3, third, null);
		expect(links3.next).toBeNull();
		expect(links3.previous).toBe(`/?status=active&cursor=${c(50)}`);
		expect(links3.first).toBe('/?status=active');
		expect(pageLinks(at(`/?cursor=${c(50)}`), readPage(at(`/?cursor=${c(50)}`).searchParams), null).first).toBe('/');
	});

	it('ignores values that are not API cursors', () => {
		expect(readPage(new URLSearchParams('cursor=../../etc&trail=x,y'))).toEqual({ cursor: null, trail: [] });
		expect(readPage(new URLSearchParams(`cursor=${c(1)}&trail=bad,${c(0)}`))).toEqual({ cursor: c(1), trail: [c(0)] });
	});

	it('keeps separate pagers apart with a prefix', () => {
		const params = new URLSearchParams(`cursor=${c(9)}&events_cursor=${c(3)}`.replaceAll('int_', 'evt_'));
		expect(readPage(params, 'events_').cursor).toBe(`evt_${'3'.padStart(26, '0')}`);
	});
});
