import type { EntityManager, EntityName, FilterQuery, QueryOrderMap } from '@mikro-orm/postgresql';
import { AppError } from '../lib/errors.ts';

/**
 * Keyset paging, one implementation for every list the API pages: rows ordered by their id (ULID-based, so in
 * creation order), or by a timestamp column then id; the cursor names the last row of the previous page, so a
 * page costs one index range scan however deep it is, and rows inserted meanwhile are neither skipped nor repeated.
 */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface KeysetOptions<T> {
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
  order: 'asc' | 'desc';
  /** A timestamp column ordered before id (e.g. `changedAt`): the cursor then carries both (opaque base64url). */
  by?: keyof T & string;
}

type Row = { id: string };

/** The compound cursor of `by` paging: `<ISO time>|<id>`, base64url. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!time || !id || Number.isNaN(Date.parse(time))) throw new AppError(400, 'validation_failed', 'cursor: not a cursor returned by this API');
  return { at: new Date(time), id };
}

/** `where`, narrowed to the rows after the cursor in the page order. */
export function keysetWhere<T extends Row>(where: FilterQuery<T>, options: KeysetOptions<T>): FilterQuery<T> {
  if (!options.cursor) return where;
  const after = options.order === 'asc' ? '$gt' : '$lt';
  if (!options.by) return { ...(where as object), id: { [after]: options.cursor } } as FilterQuery<T>;
  const { at, id } = decodeCursor(options.cursor);
  const beyond = { $or: [{ [options.by]: { [after]: at } }, { [options.by]: at, id: { [after]: id } }] };
  return { $and: [where, beyond] } as FilterQuery<T>;
}

export function keysetOrder<T extends Row>(options: KeysetOptions<T>): QueryOrderMap<T>[] {
  return [...(options.by ? [{ [options.by]: options.order }] : []), { id: options.order }] as QueryOrderMap<T>[];
}

/** Cuts the one row fetched beyond `limit` and names the cursor of the next page. */
export function pageOf<T extends Row>(rows: T[], options: KeysetOptions<T>): Page<T> {
  const more = rows.length > options.limit;
  const items = more ? rows.slice(0, options.limit) : rows;
  const last = items.at(-1);
  if (!more || !last) return { items, nextCursor: null };
  if (!options.by) return { items, nextCursor: last.id };
  return { items, nextCursor: encodeCursor(last[options.by] as Date, last.id) };
}

/** One page of `entity` rows matching `where` (which must carry the tenant id: every list is tenant-scoped). */
export async function keysetPage<T extends Row>(em: EntityManager, entity: EntityName<T>, where: FilterQuery<T>, options: KeysetOptions<T>): Promise<Page<T>> {
  const rows = await em.find(entity, keysetWhere(where, options), { orderBy: keysetOrder(options), limit: options.limit + 1 });
  return pageOf(rows as T[], options);
}
