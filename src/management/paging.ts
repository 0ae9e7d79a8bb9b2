import { searchText } from '../store/search.js';
import { MAX_PAGE_SIZE, type Page } from './every-page.js';
import { ManagementError } from './validation.js';

export { everyPage, MAX_PAGE_SIZE, type Page } from './every-page.js';

/** What a list is asked for: a search, the cursor of the page before (its `next`) and how many to give. */
export interface ListQuery {
  search?: string;
  after?: string;
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 50;

/** How many a page holds: DEFAULT_PAGE_SIZE unless told, refused outside 1..MAX_PAGE_SIZE. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ManagementError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

type KeyPart = string | number;

/**
 * A cursor is the sort key of the last item of a page, as base64url JSON: opaque to callers (they pass back what
 * they were given), so the order a list is kept in can change without changing its contract.
 */
export const encodeCursor = (key: readonly KeyPart[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The sort key in `cursor`, of the types in `shape`; a cursor this list did not give is refused, not misread. */
export function decodeCursor<S extends readonly ('string' | 'number')[]>(
  cursor: string | undefined,
  shape: S,
): { [I in keyof S]: S[I] extends 'number' ? number : string } | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const fits = Array.isArray(key) && key.length === shape.length && key.every((part, i) => typeof part === shape[i]);
  if (!fits) throw new ManagementError('after is not a cursor of this list: pass the next of the page before, as it was given');
  return key as { [I in keyof S]: S[I] extends 'number' ? number : string };
}

/** The page of `rows`, read with one more than `limit` to know whether another page follows. */
export function pageOf<T>(rows: readonly T[], limit: number, keyOf: (item: T) => readonly KeyPart[]): Page<T> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeCursor(keyOf(items.at(-1)!)) : null };
}

/**
 * A page of a list held whole in memory (a tenant's roles and APIs, merged with the platform's), sorted by a unique
 * name, which is the cursor's key: the same contract as the lists paged in SQL.
 */
export function pageInMemory<T>(
  all: readonly T[],
  query: ListQuery,
  nameOf: (item: T) => string,
  searchedText: (item: T) => (string | null | undefined)[],
): Page<T> {
  const limit = pageSize(query.limit);
  const [after] = decodeCursor(query.after, ['string'] as const) ?? [];
  const search = searchText(query.search);
  const start = after === undefined ? 0 : all.findIndex((item) => nameOf(item) > after);
  const rest = start < 0 ? [] : all.slice(start);
  const found = search ? rest.filter((item) => searchedText(item).some((text) => text?.toLowerCase().includes(search))) : rest;
  return pageOf(found, limit, (item) => [nameOf(item)]);
}
