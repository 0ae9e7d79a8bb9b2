import { type RawBuilder, sql } from 'kysely';

/** The search as stored rows are matched: trimmed and lower-cased; undefined when there is nothing to look for. */
export const searchText = (search: string | undefined): string | undefined => search?.trim().toLowerCase() || undefined;

/** `%` and `_` taken literally in a LIKE pattern (with ESCAPE, backslash). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A condition: the lower-cased `search` is a substring of one of `columns`, compared lower-cased. ESCAPE is named:
 * SQLite's LIKE has no escape character unless told one (PostgreSQL's default is the backslash).
 */
export function containedInAny(columns: readonly string[], search: string): RawBuilder<boolean> {
  const pattern = `%${likeLiteral(search)}%`;
  const tests = columns.map((column) => sql`lower(${sql.ref(column)}) like ${pattern} escape '\\'`);
  return sql<boolean>`(${sql.join(tests, sql` or `)})`;
}

/** A condition: `text` starts one of `columns`, compared lower-cased (the tenants' id prefix search). */
export function startsWith(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${`${likeLiteral(text)}%`} escape '\\'`;
}

/** A condition: the row's `(first, second)` sorts after `key`: keyset paging, a page costs the same anywhere in a list. */
export function sortsAfter(first: string, second: string, key: readonly [number | string, string]): RawBuilder<boolean> {
  const [a, b] = key;
  return sql<boolean>`(${sql.ref(first)} > ${a} or (${sql.ref(first)} = ${a} and ${sql.ref(second)} > ${b}))`;
}

/** A condition: `text` is the whole of `column` or one of its space-separated words (an event about several ids). */
export function isWordOf(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`(' ' || ${sql.ref(column)} || ' ') like ${`% ${likeLiteral(text)} %`} escape '\\'`;
}

/** A condition: `column` starts with `prefix`, exactly (no LIKE: SQLite's ignores case). */
export function hasPrefix(column: string, prefix: string): RawBuilder<boolean> {
  return sql<boolean>`substr(${sql.ref(column)}, 1, ${prefix.length}) = ${prefix}`;
}
