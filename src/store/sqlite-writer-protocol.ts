/**
 * Messages between the event loop and the SQLite writer thread (`sqlite-writer-worker.ts`). Deadlines are
 * `Date.now()` milliseconds, the one clock both threads share; the worker refuses work whose caller has already
 * been told it timed out, so such work is never applied after the fact.
 */
/** A compiled statement and its parameters. */
export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

export type WriterRequest =
  /**
   * One statement: on its own (`none`, autocommit), as the first of a transaction (`begin`: BEGIN IMMEDIATE first,
   * waiting for the write lock until the deadline at most), or inside the transaction that one opened (`continue`).
   */
  | { id: number; kind: 'run'; sql: string; parameters: readonly unknown[]; deadline: number; transaction: 'none' | 'begin' | 'continue' }
  /**
   * SQL without parameters run to completion (sqlite3_exec): maintenance pragmas such as incremental_vacuum do one
   * step of their work per sqlite3_step, where a prepared statement's run() steps once.
   */
  | { id: number; kind: 'exec'; sql: string; deadline: number }
  /**
   * A whole write transaction in one message: `guard` first, and only when it changed exactly one row the
   * `writes`, then COMMIT (see Store.compareAndWrite). The reply's `changes` is 1 when applied, 0 when not.
   */
  | { id: number; kind: 'batch'; guard: Statement; writes: readonly Statement[]; deadline: number }
  /** COMMIT, unless the deadline has passed: then ROLLBACK, so a transaction whose caller left is not applied. */
  | { id: number; kind: 'commit'; deadline: number }
  | { id: number; kind: 'rollback' }
  | { id: number; kind: 'close' };

export type WriterOutcome =
  | { ok: true; rows: unknown[]; changes?: number; lastInsertRowid?: number }
  /** The deadline passed before the work could start or commit; nothing was applied. */
  | { ok: false; expired: true }
  /** SQLite refused: message and extended result code (SQLITE_BUSY, SQLITE_FULL, SQLITE_CONSTRAINT_UNIQUE, …). */
  | { ok: false; expired?: false; message: string; code: string | undefined };

export type WriterReply = WriterOutcome & { id: number };

export interface WriterOptions {
  file: string;
}
