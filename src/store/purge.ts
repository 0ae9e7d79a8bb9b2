import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
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
 * The pause between two batches of a purge. While it lasts the store serves nobody but requests: on SQLite one
 * writer thread does every write, so a request's write waits for at most the one batch under way, and the purge takes
 * at most a share of the writer (a 1,000-row batch is a few milliseconds) however big the backlog.
 */
export const PURGE_BATCH_PAUSE_MS = 5;

/**
 * How long a scheduled purge runs at most. A backlog bigger than that (a store that was never purged: Hydra's tables
 * reached 18 GB) goes over several runs, each ending with what it removed, instead of one run for hours.
 */
export const PURGE_TIME_LIMIT_MS = 60_000;

/**
 * The pace of one purge run: a pause between batches and a deadline, shared by every table the run purges. Once the
 * deadline has passed no further batch starts, and the run reports itself incomplete (the rest goes next time).
 */
export class PurgePace {
  private readonly deadline: number;
  private stopped = false;

  constructor(
    private readonly pauseMs = 0,
    timeLimitMs = Number.POSITIVE_INFINITY,
  ) {
    this.deadline = performance.now() + timeLimitMs;
  }

  /** Whether the run stopped at its deadline with work left. */
  get exhausted(): boolean {
    return this.stopped;
  }

  /** Whether a (first) batch may start now. */
  mayStart(): boolean {
    if (performance.now() >= this.deadline) this.stopped = true;
    return !this.stopped;
  }

  /** Between two batches: pauses (or lets the event loop turn), then says whether the next batch may start. */
  async next(): Promise<boolean> {
    if (this.pauseMs > 0) await sleep(this.pauseMs);
    else await yieldToEventLoop();
    return this.mayStart();
  }
}

/** No pause beyond a turn of the event loop, no deadline: for callers that purge one table and wait for it. */
export const unpaced = (): PurgePace => new PurgePace();

/**
 * Runs `deleteBatch` (one statement deleting at most `limit` rows) until a batch comes back short or the run's pace
 * stops it, letting requests be served between batches. Each batch commits on its own, so a purge that fails or
 * stops midway has still removed what it removed, and never leaves anything half-deleted.
 */
async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<{ numDeletedRows: bigint }>,
  pace: PurgePace,
  batchSize = PURGE_BATCH_SIZE,
): Promise<number> {
  let total = 0;
  if (!pace.mayStart()) return total;
  for (;;) {
    const deleted = Number((await deleteBatch(batchSize)).numDeletedRows);
    total += deleted;
    if (deleted < batchSize || !(await pace.next())) return total;
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
  pace: PurgePace = unpaced(),
): Promise<number> {
  const db = store.db as unknown as Kysely<any>;
  const batch = (limit: number) => inPurgeBatch(store.dialect, key, db.selectFrom(table).select(key).where(expired).limit(limit));
  // `expired` again on the delete itself: a key is unique only within a tenant in some tables (login_throttle), and a
  // row of another tenant under the same key must go only if it has expired too.
  return deleteInBatches((limit) => db.deleteFrom(table).where(batch(limit)).where(expired).executeTakeFirst(), pace);
}

/** Lets pending I/O and timers run: between batches of a long purge. */
export const yieldToEventLoop = (): Promise<void> => nextTurn();
