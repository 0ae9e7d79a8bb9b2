import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Dialect, Store } from './database.js';
import type { Database } from './schema.js';

/**
 * Rows one purge statement deletes at most. A statement holds the write lock (SQLite's for the whole database) while
 * it runs: 1,000 rows take a few milliseconds, where one statement for a 150k-row backlog held every request for
 * 0.2-0.8 s on a busy machine.
 */
export const PURGE_BATCH_SIZE = 1000;

/**
 * How long after an access token's expiry its revocation (and its grant's) must still be known: well beyond the
 * 5 s leeway verifyAccessToken allows, so a purged record can never readmit a token.
 */
export const EXPIRED_TOKEN_MARGIN_SECONDS = 300;

/**
 * Runs `deleteBatch` (one statement deleting at most `limit` rows) until a batch comes back short, letting the
 * event loop serve requests between batches. Each batch commits on its own, so a purge that fails midway has
 * still removed what it removed, and never leaves anything half-deleted.
 */
async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<{ numDeletedRows: bigint }>,
  batchSize = PURGE_BATCH_SIZE,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = Number((await deleteBatch(batchSize)).numDeletedRows);
    total += deleted;
    if (deleted < batchSize) return total;
    await yieldToEventLoop();
  }
}

/**
 * `key` is one of the primary keys `batch` selects (through an index on what it filters by). On PostgreSQL the
 * keys become an array, so the delete looks them up in the primary key instead of hash-joining the whole table
 * for every batch, and rows another process is purging at this moment are skipped, so two purges at once
 * neither wait on each other nor deadlock. SQLite serialises writers anyway (and has no FOR UPDATE).
 */
function inPurgeBatch<DB, TB extends keyof DB, O>(
  dialect: Dialect,
  key: string,
  batch: SelectQueryBuilder<DB, TB, O>,
): RawBuilder<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${sql.ref(key)} = any(array(${batch.forUpdate().skipLocked()}))`
    : sql<SqlBool>`${sql.ref(key)} in (${batch})`;
}

/**
 * Deletes the rows of `table` that `expired` picks (through an index on what it filters by), in batches by the
 * primary key `key`, and returns how many. Every purge has this one shape; the table and key are ours, never input,
 * so the builder is used untyped here.
 */
export function purgeInBatches(
  store: Store,
  table: keyof Database,
  key: string,
  expired: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>,
): Promise<number> {
  const db = store.db as unknown as Kysely<any>;
  const batch = (limit: number) => inPurgeBatch(store.dialect, key, db.selectFrom(table).select(key).where(expired).limit(limit));
  // `expired` again on the delete itself: a key is unique only within a tenant in some tables (login_throttle), and a
  // row of another tenant under the same key must go only if it has expired too.
  return deleteInBatches((limit) => db.deleteFrom(table).where(batch(limit)).where(expired).executeTakeFirst());
}

/** Lets pending I/O and timers run: between batches of a long purge. */
export const yieldToEventLoop = (): Promise<void> => nextTurn();
