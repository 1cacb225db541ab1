import { describe, expect, it } from 'vitest';
import { auditQuery, exportHref, readAuditFilters, readAuditPage } from './audit.ts';

describe('audit filters in the URL', () => {
	it('reads the filters, trimming text and dropping invalid days', () => {
		const f = readAuditFilters(new URLSearchParams('actor=%20owner@x.test%20&action=member.remove&since=2026-12-01&until=2026-13-45&targetType=user'));
		expect(f).toEqual({ actor: 'owner@x.test', action: 'member.remove', targetType: 'user', targetId: '', since: '2026-12-01', until: '' });
	});

	it('turns UTC days into instants, the until day included', () => {
		const q = auditQuery({ actor: '', action: '', targetType: '', targetId: 'usr_1', since: '2026-12-01', until: '2026-12-02' });
		expect(q).toEqual({ targetId: 'usr_1', since: '2026-12-01T00:00:00.000Z', until: '2026-12-03T00:00:00.000Z' });
	});

	it('keeps only cursor-like values for paging', () => {
		expect(readAuditPage(new URLSearchParams('cursor=aud_01&trail=a,b%20c,d'))).toEqual({ cursor: 'aud_01', trail: ['a', 'd'] });
		expect(readAuditPage(new URLSearchParams('cursor=%3Cscript%3E'))).toEqual({ cursor: null, trail: [] });
		expect(readAuditPage(new URLSearchParams(''))).toEqual({ cursor: null, trail: [] });
	});

	it('links the export with the same filters', () => {
		const href = exportHref({ actor: 'a b', action: '', targetType: '', targetId: '', since: '2026-12-01', until: '' }, 'csv');
		expect(href).toBe('/audit/export?format=csv&actor=a+b&since=2026-12-01');
	});
});
