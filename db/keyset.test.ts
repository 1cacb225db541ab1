import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.ts';
import { decodeCursor, encodeCursor, keysetOrder, keysetWhere, pageOf } from './keyset.ts';

type Rec = { id: string; changedAt: Date; tenantId: string };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const rows: Rec[] = [1, 2, 3].map((n) => ({ id: `rec_${n}`, changedAt: at(n), tenantId: 'ten_a' }));

describe('keyset paging by id', () => {
  it('starts at the beginning without a cursor and keeps the caller’s filter', () => {
    expect(keysetWhere<Rec>({ tenantId: 'ten_a' }, { limit: 2, order: 'asc' })).toEqual({ tenantId: 'ten_a' });
  });

  it('continues after the cursor in the page order: $gt ascending, $lt descending', () => {
    expect(keysetWhere<Rec>({ tenantId: 'ten_a' }, { cursor: 'rec_2', limit: 2, order: 'asc' })).toEqual({ tenantId: 'ten_a', id: { $gt: 'rec_2' } });
    expect(keysetWhere<Rec>({ tenantId: 'ten_a' }, { cursor: 'rec_2', limit: 2, order: 'desc' })).toEqual({ tenantId: 'ten_a', id: { $lt: 'rec_2' } });
    expect(keysetOrder<Rec>({ limit: 2, order: 'desc' })).toEqual([{ id: 'desc' }]);
  });

  it('cuts the extra row and names the last id as the next cursor; null on the last page', () => {
    expect(pageOf(rows, { limit: 2, order: 'asc' })).toEqual({ items: rows.slice(0, 2), nextCursor: 'rec_2' });
    expect(pageOf(rows, { limit: 3, order: 'asc' })).toEqual({ items: rows, nextCursor: null });
    expect(pageOf([], { limit: 3, order: 'asc' })).toEqual({ items: [], nextCursor: null });
  });
});

describe('keyset paging by a timestamp, then id', () => {
  it('round-trips its cursor and orders by the column, then id', () => {
    const next = pageOf(rows, { limit: 1, order: 'asc', by: 'changedAt' }).nextCursor!;
    expect(decodeCursor(next)).toEqual({ at: at(1), id: 'rec_1' });
    expect(next).toBe(encodeCursor(at(1), 'rec_1'));
    expect(keysetOrder<Rec>({ limit: 1, order: 'asc', by: 'changedAt' })).toEqual([{ changedAt: 'asc' }, { id: 'asc' }]);
  });

  it('takes rows with a later time, or the same time and a later id (ties are not skipped)', () => {
    const cursor = encodeCursor(at(1), 'rec_1');
    expect(keysetWhere<Rec>({ tenantId: 'ten_a' }, { cursor, limit: 1, order: 'asc', by: 'changedAt' })).toEqual({
      $and: [{ tenantId: 'ten_a' }, { $or: [{ changedAt: { $gt: at(1) } }, { changedAt: at(1), id: { $gt: 'rec_1' } }] }],
    });
  });

  it('refuses a cursor it did not make with 400 validation_failed', () => {
    for (const bad of ['rec_1', Buffer.from('yesterday|rec_1').toString('base64url'), Buffer.from(at(1).toISOString()).toString('base64url')]) {
      const error = (() => {
        try {
          keysetWhere<Rec>({ tenantId: 'ten_a' }, { cursor: bad, limit: 1, order: 'asc', by: 'changedAt' });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'cursor: not a cursor returned by this API' });
    }
  });
});
