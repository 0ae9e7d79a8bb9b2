import { type CompiledQuery, type Kysely, sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHealth extends CheckResult {
  dialect: Dialect;
}

/**
 * A connection to the store plus a change counter. Caches (client records, signing keys) remember the
 * generation they were filled at and refill when it moves, so a change made by the CLI or by another server
 * process is seen at once: SQLite reports other connections' commits through `PRAGMA data_version`, PostgreSQL
 * through LISTEN/NOTIFY.
 */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  generation(): number;
  /**
   * A transaction that will write. On SQLite it begins IMMEDIATE, taking the write lock up front so that a busy
   * database is waited for (busy_timeout) rather than failing when a read turns into a write.
   */
  writeTransaction<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * One write transaction that needs no decision in JavaScript between its statements: `guard` (a conditional
   * UPDATE, the compare-and-set) runs first, and only when it changed exactly one row do `writes` follow and
   * commit; otherwise nothing is applied and the answer is false. On SQLite the whole transaction is a single trip
   * to the writer thread, so the write lock is never held while the event loop is busy with other requests.
   * Rolled back instead of committed when `signal` is aborted by then.
   */
  compareAndWrite(guard: CompiledQuery, writes: readonly CompiledQuery[], signal?: AbortSignal): Promise<boolean>;
  /**
   * Marks `query` as a hot statement to keep prepared on the server, and returns it to execute: on PostgreSQL it
   * then runs as a named statement, parsed and planned once per connection rather than on every call; SQLite's
   * connections keep every statement they prepare anyway. Its text must not vary from call to call (no lists of
   * varying length), so that the names stay as few as the call sites, and it must name the columns it returns: a
   * `*` would fail a prepared statement once a migration by a newer process adds a column.
   */
  prepared<R>(query: CompiledQuery<R>): CompiledQuery<R>;
  /** Brings the schema up to date; safe when several processes start at once. */
  migrate(): Promise<string[]>;
  /** Call after a write that caches depend on; tells this process and every other one. */
  announceChange(): Promise<void>;
  health(): Promise<DatabaseHealth>;
  close(): Promise<void>;
  /**
   * SQLite only: SQL without parameters run to completion on the write connection, after any transaction in
   * progress: maintenance such as `incremental_vacuum` (which frees one page per step, where a Kysely statement steps
   * once), VACUUM and checkpoints, all of which write and so must not run on the event loop. See sqlite-space.ts.
   */
  exec?(sql: string): Promise<void>;
}

/** PostgreSQL's time limits, in milliseconds; each bounds a wait that a stalled or unreachable server would make endless. */
export interface PostgresTimeouts {
  /** Opening a connection (TCP, TLS, authentication). */
  connectMs: number;
  /**
   * Waiting for a connection from the pool. pg-pool bounds a queued wait by the connect timeout as well, so the
   * effective bound is the smaller of the two.
   */
  acquireMs: number;
  /** One statement, cancelled by the server (and given up on by the client shortly after, should the server not answer). */
  statementMs: number;
  /** A session that left a transaction open this long is ended by the server, rolling the transaction back. */
  idleInTransactionMs: number;
}

export interface StoreOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  migrate?: boolean;
  /** SQLite only: see Config.dbWriteTimeoutMs. */
  writeTimeoutMs: number;
  postgres: PostgresTimeouts;
  /**
   * Told of every statement sent to the database, for the metrics (round trips per operation): on PostgreSQL each
   * call is one round trip, BEGIN and COMMIT included; on SQLite each is one statement the engine runs, on the event
   * loop's reader or the writer thread (transaction control travels with the statements there, so it is not counted).
   */
  countStatements?: (count: number) => void;
}

/** The store's settings in a configuration. */
export function storeOptionsOf(config: Config, migrate = true): StoreOptions {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrate,
    writeTimeoutMs: config.dbWriteTimeoutMs,
    postgres: {
      connectMs: config.dbConnectTimeoutMs,
      acquireMs: config.dbAcquireTimeoutMs,
      statementMs: config.dbStatementTimeoutMs,
      idleInTransactionMs: config.dbIdleInTransactionTimeoutMs,
    },
  };
}

export async function openStore(options: StoreOptions): Promise<Store> {
  // Only the driver in use is loaded: each costs start-up time and memory.
  const store = options.databaseUrl
    ? await (await import('./postgres.js')).openPostgres(options.databaseUrl, options.postgres, options.countStatements)
    : await (await import('./sqlite.js')).openSqlite(options.dataDir, {
        writeTimeoutMs: options.writeTimeoutMs,
        ...(options.countStatements ? { countStatements: options.countStatements } : {}),
      });
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/** Times `select 1`; with a deadline, a database that does not answer in time is reported not ok rather than waited for. */
/** How a bounded check of the store went: its latency, or a short reason for the log (never a query or a value). */
export interface CheckResult {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/**
 * Waits for `work` at most `deadlineMs` (when given) and says how it went. Only the wait ends at the deadline; the
 * work is left to its own timeouts, and its late failure is not an unhandled rejection.
 */
export async function timedCheck(work: Promise<unknown>, deadlineMs?: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  try {
    await (deadlineMs === undefined
      ? work
      : Promise.race([
          work,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
          }),
        ]));
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function measure(dialect: Dialect, db: Kysely<Database>, deadlineMs?: number): Promise<DatabaseHealth> {
  return { ...(await timedCheck(sql`select 1`.execute(db), deadlineMs)), dialect };
}
