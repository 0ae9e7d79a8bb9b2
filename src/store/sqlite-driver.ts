import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import type { SqliteWriter, WriterTransaction } from './sqlite-writer.js';

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's driver for the split SQLite store: a statement that only reads runs at once on this thread's own
 * connection (in WAL mode a reader never waits for the writer, and sees every committed change); a statement that
 * writes, and everything inside a transaction, goes to the writer thread (`SqliteWriter`). SQLite itself says which
 * is which (`sqlite3_stmt_readonly`), so no SQL is parsed here.
 */
export class SplitSqliteDriver implements Driver {
  // Kysely prepares every query anew; compiling SQL costs more than running these small queries. The queries are
  // built from a fixed set of shapes, so the cache stays small, and a statement is never iterated concurrently.
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly reader: BetterSqlite3.Database,
    private readonly writer: SqliteWriter,
    /** Told of every statement run (see StoreOptions.countStatements). */
    readonly countStatements: (count: number) => void,
  ) {}

  async init(): Promise<void> {}

  /** Connections are sessions without a lock of their own: reads never queue, writes queue at the writer. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new SqliteSession(this, this.writer);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SqliteSession).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SqliteSession).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as SqliteSession).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // A session given back mid-transaction (its caller threw between BEGIN and COMMIT) must not keep the writer.
    (connection as SqliteSession).rollback();
  }

  async destroy(): Promise<void> {
    await this.writer.close();
    this.reader.close();
  }

  /** @internal */
  prepare(text: string): BetterSqlite3.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.reader.prepare(text);
      if (this.statements.size < STATEMENT_CACHE_SIZE) this.statements.set(text, statement);
    }
    return statement;
  }
}

// Transaction control written as SQL (`sql\`begin immediate\``, as the store's writeTransaction and migrate do).
const BEGIN = /^begin( immediate| deferred| exclusive)?( transaction)?;?$/i;
const COMMIT = /^(commit|end)( transaction)?;?$/i;
const ROLLBACK = /^rollback( transaction)?;?$/i;

class SqliteSession implements DatabaseConnection {
  private transaction: WriterTransaction | undefined;

  constructor(
    private readonly driver: SplitSqliteDriver,
    private readonly writer: SqliteWriter,
  ) {}

  async begin(): Promise<void> {
    if (this.transaction) throw new Error('cannot start a transaction within a transaction');
    this.transaction = await this.writer.begin();
  }

  async commit(): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) throw new Error('cannot commit - no transaction is active');
    this.transaction = undefined;
    await transaction.commit();
  }

  rollback(): void {
    this.transaction?.rollback();
    this.transaction = undefined;
  }

  async executeQuery<R>({ sql, parameters }: CompiledQuery): Promise<QueryResult<R>> {
    const text = sql.trim();
    if (BEGIN.test(text)) return this.begin().then(() => ({ rows: [] }));
    if (COMMIT.test(text)) return this.commit().then(() => ({ rows: [] }));
    if (ROLLBACK.test(text)) {
      this.rollback();
      return { rows: [] };
    }
    this.driver.countStatements(1);
    if (this.transaction) return (await this.transaction.run(sql, parameters)) as QueryResult<R>;
    let statement: BetterSqlite3.Statement;
    try {
      statement = this.driver.prepare(sql);
    } catch {
      // This connection may judge by a schema the writer has just changed (DDL outside a transaction, as Kysely's
      // migrator runs it on SQLite): the writer prepares with its own, current schema, and reports a real error.
      return (await this.writer.run(sql, parameters)) as QueryResult<R>;
    }
    if (!statement.readonly) return (await this.writer.run(sql, parameters)) as QueryResult<R>;
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    statement.run(parameters);
    return { rows: [] };
  }

  streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('streaming is not supported by the SQLite store');
  }
}
