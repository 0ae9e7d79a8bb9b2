import { join } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { measure, type Store } from './database.js';
import { migrateToLatest } from './migrations.js';
import { checkSqliteDataDir } from './sqlite-startup.js';

const STATEMENT_CACHE_SIZE = 500;

export async function openSqlite(dataDir: string): Promise<Store> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  checkSqliteDataDir(dataDir);
  const connection = new BetterSqlite3(join(dataDir, 'gatehouse.sqlite'));
  connection.pragma('journal_mode = WAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('synchronous = NORMAL');
  // Kysely prepares every query anew; compiling SQL costs more than running these small queries. The queries are
  // built from a fixed set of shapes, so the cache stays small, and a statement is never iterated concurrently.
  const statements = new Map<string, ReturnType<typeof connection.prepare>>();
  const database = {
    close: () => connection.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        statement = connection.prepare(text);
        if (statements.size < STATEMENT_CACHE_SIZE) statements.set(text, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
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
      versionReadAt = now;
    }
    return version;
  };
  const immediate = <T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await work(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
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
    // data_version moves when another connection commits; our own writes bump `local`.
    generation: () => currentDataVersion() * 1_000_000 + local,
    announceChange: async () => {
      local += 1;
    },
    health: () => measure('sqlite', db),
    close: () => db.destroy(),
  };
}
