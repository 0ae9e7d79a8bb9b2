import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { measure, type Store } from './database.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { SplitSqliteDriver } from './sqlite-driver.js';
import { checkSqliteDataDir } from './sqlite-startup.js';
import { SqliteWriter } from './sqlite-writer.js';

// A WAL reader waits only while another connection recovers the WAL after a crash, or resets it; it must not sleep
// long on the event loop. A read that still finds the database busy is a 503 (SQLITE_BUSY), like a stuck write.
const READ_BUSY_TIMEOUT_MS = 250;

export interface SqliteOptions {
  /** How long a write (or a whole write transaction) may take, queueing included, before its caller gets a 503. */
  writeTimeoutMs: number;
  /** See StoreOptions.countStatements. */
  countStatements?: (count: number) => void;
}

/**
 * SQLite in two halves: reads on this thread's own connection, writes on a worker thread that owns the write
 * connection (`sqlite-writer-worker.ts`), so that a write stuck on the disk or on another process's lock leaves
 * every endpoint that only reads answering.
 */
export async function openSqlite(dataDir: string, options: SqliteOptions): Promise<Store> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  checkSqliteDataDir(dataDir);
  const file = join(dataDir, 'gatehouse.sqlite');
  const connection = new BetterSqlite3(file);
  // Takes effect only in a file that has no tables yet, and must come before WAL mode writes the file's first page:
  // a new store gives purged space back (sqlite-space.ts).
  connection.pragma('auto_vacuum = INCREMENTAL');
  connection.pragma('journal_mode = WAL');
  connection.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
  const writer = new SqliteWriter(file, options.writeTimeoutMs);
  const countStatements = options.countStatements ?? (() => {});
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new SplitSqliteDriver(connection, writer, countStatements),
      createIntrospector: (kysely) => new SqliteIntrospector(kysely),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  let local = 0;
  const dataVersion = connection.prepare('pragma data_version').pluck();
  // Asking SQLite on every cache read costs more than the token endpoint's own work; one answer serves a
  // millisecond, far less than any other process needs to commit a change and report it done.
  let version = 0;
  let versionReadAt = -Infinity;
  const currentDataVersion = () => {
    const now = performance.now();
    if (now - versionReadAt >= 1) {
      version = dataVersion.get() as number;
      countStatements(1);
      versionReadAt = now;
    }
    return version;
  };
  // data_version moves at every commit of another connection, the writer thread's own included, so following it
  // alone would empty every cache at every write (a code issued, a session touched). Caches follow announced changes
  // instead, as on PostgreSQL: announceChange adds one to user_version (the header field SQLite leaves to the
  // application), which is read again only when data_version says some connection committed.
  const userVersion = connection.prepare('pragma user_version').pluck();
  let announced = 0;
  let announcedAtVersion = Number.NaN;
  const currentAnnounced = () => {
    const seen = currentDataVersion();
    if (seen !== announcedAtVersion) {
      announced = userVersion.get() as number;
      announcedAtVersion = seen;
    }
    return announced;
  };
  const immediate = <T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await work(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        // Safe when SQLite already ended the transaction itself (SQLITE_FULL at commit, for one): the writer thread
        // rolls back only a transaction still open, so the error that says what happened is the one thrown.
        await sql`rollback`.execute(conn);
        throw error;
      }
    });
  return {
    db,
    dialect: 'sqlite',
    writeTransaction: immediate,
    // Kysely runs SQLite migrations outside a transaction and without a lock; inside one IMMEDIATE transaction a
    // second process waits and then finds the schema current.
    migrate: () => immediate(migrateToLatest),
    // Another process's announcement is seen within the millisecond data_version is cached; our own also bumps
    // `local`, so that it is seen here at once.
    generation: () => currentAnnounced() * 1_000_000 + local,
    announceChange: async () => {
      local += 1;
      // Caches only compare generations for equality, so any new value will do: a random one needs no read under the
      // write lock, as an increment would (one in 2^31 that it repeats the last, missed until the 30 s backstop).
      let next = randomInt(1, 2 ** 31);
      if (next === announced) next = (next % (2 ** 31 - 1)) + 1;
      await writer.exec(`pragma user_version = ${next}`);
    },
    health: () => measure('sqlite', db),
    exec: (text) => {
      countStatements(1);
      return writer.exec(text);
    },
    compareAndWrite: async (guard, writes, signal) => {
      // Once posted, the transaction is the thread's to finish in microseconds; a caller already gone is not asked for.
      signal?.throwIfAborted();
      countStatements(1 + writes.length);
      return writer.compareAndWrite(guard, writes);
    },
    // Both connections cache their prepared statements by text already (sqlite-driver.ts, sqlite-writer-worker.ts).
    prepared: (query) => query,
    close: () => db.destroy(),
  };
}
