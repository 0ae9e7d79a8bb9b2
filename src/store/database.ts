import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHealth {
  ok: boolean;
  dialect: Dialect;
  latencyMs?: number;
  error?: string;
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
  /** Brings the schema up to date; safe when several processes start at once. */
  migrate(): Promise<string[]>;
  /** Call after a write that caches depend on; tells this process and every other one. */
  announceChange(): Promise<void>;
  health(): Promise<DatabaseHealth>;
  close(): Promise<void>;
}

export interface StoreOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  migrate?: boolean;
}

const CHANNEL = 'gatehouse_changes';
const STATEMENT_CACHE_SIZE = 500;

export async function openStore(options: StoreOptions): Promise<Store> {
  // Only the driver in use is loaded: each costs start-up time and memory.
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl) : await openSqlite(options.dataDir);
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

async function measure(dialect: Dialect, db: Kysely<Database>): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    await sql`select 1`.execute(db);
    return { ok: true, dialect, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, dialect, error: error instanceof Error ? error.message : String(error) };
  }
}

async function openSqlite(dataDir: string): Promise<Store> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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

const int8AsNumber = (value: string) => Number(value);

async function openPostgres(databaseUrl: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 ? int8AsNumber : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, types });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  let counter = 0;
  let listening = false;
  let closed = false;
  let listener: import('pg').Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const listen = async () => {
    const client = new pg.Client({ connectionString: databaseUrl, types });
    client.on('notification', () => {
      counter += 1;
    });
    client.on('error', () => {
      listening = false;
      client.end().catch(() => {});
      scheduleListen();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      listener = client;
      listening = true;
      counter += 1; // anything may have changed while we were not listening
    } catch {
      client.end().catch(() => {});
      scheduleListen();
    }
  };
  const scheduleListen = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, 1000);
    retry.unref();
  };
  await listen();

  return {
    db,
    dialect: 'postgres',
    writeTransaction: (work) => db.transaction().execute(work),
    // Kysely's migrator takes an advisory lock on PostgreSQL.
    migrate: () => migrateToLatest(db),
    // While the listener is down nothing can be trusted to be fresh: every call is a new generation.
    generation: () => (listening ? counter : ++counter),
    announceChange: async () => {
      counter += 1;
      await sql`select pg_notify(${CHANNEL}, '')`.execute(db);
    },
    health: () => measure('postgres', db),
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await listener?.end().catch(() => {});
      await db.destroy();
    },
  };
}
