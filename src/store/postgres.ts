import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type { Client, ClientConfig, PoolClient } from 'pg';
import { StoreUnavailableError, unavailableReason } from '../ports/storage-errors.js';
import { Availability } from './availability.js';
import { measure, type PostgresTimeouts, type Store } from './database.js';
import { postgresAddress } from './location.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

const CHANNEL = 'gatehouse_changes';

const int8AsNumber = (value: string) => Number(value);

// Store.prepared is for a handful of hot statements; a bound keeps a mistaken caller (a text that varies) from
// growing every connection's prepared statements without end: past it, statements simply run unnamed.
const MAX_PREPARED_STATEMENTS = 32;

/**
 * The client-side guard on a statement fires this long after the server's own statement_timeout should have: on a
 * live server the server cancels first (57014, the transaction rolled back), and the guard only ends the waits that
 * a frozen or unreachable server would otherwise make endless.
 */
const CLIENT_GUARD_MARGIN_MS = 1000;

// Failures of the connection rather than of the statement: the server is gone, restarting, refusing connections or
// not answering at all. SQLSTATE class 08 and 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
const CONNECTION_SQLSTATE = /^(08...|57P0[1-3])$/;
const CONNECTION_MESSAGE = /Connection terminated|Query read timeout|Client has encountered a connection error|not queryable/i;

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || unavailableReason(error) === undefined) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || /^E[A-Z]+$/.test(code))) || CONNECTION_MESSAGE.test(error.message);
}

/** Why a first connection failed, as an operator needs to read it at start-up. */
function connectFailure(error: unknown, where: string, elapsedMs: number, timeoutMs: number): Error {
  const code = (error as { code?: unknown })?.code;
  if (elapsedMs >= timeoutMs)
    return new StoreUnavailableError(`cannot reach PostgreSQL at ${where}: connection timed out after ${timeoutMs} ms`, { cause: error });
  if (code === 'ECONNREFUSED')
    return new StoreUnavailableError(`cannot reach PostgreSQL at ${where}: connection refused`, { cause: error });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new StoreUnavailableError(`cannot reach PostgreSQL at ${where}: host not found`, { cause: error });
  const reason = unavailableReason(error);
  if (reason !== undefined) return new StoreUnavailableError(`cannot reach PostgreSQL at ${where}: ${reason}`, { cause: error });
  // Authentication, a missing database, TLS: the server answered; its message names no secret.
  return new Error(`PostgreSQL at ${where} refused the connection: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

export async function openPostgres(
  databaseUrl: string,
  timeouts: PostgresTimeouts,
  countStatements?: (count: number) => void,
): Promise<Store> {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 ? int8AsNumber : pg.types.getTypeParser(oid, format as 'text'),
  };
  const where = postgresAddress(databaseUrl);
  // Keepalive lets the kernel notice a peer that vanished without closing (a partition) on idle connections.
  const connection: ClientConfig = { connectionString: databaseUrl, types, connectionTimeoutMillis: timeouts.connectMs, keepAlive: true };
  const pool = new pg.Pool({
    ...connection,
    max: 10,
    // Enforced by the server: a statement running too long is cancelled, and a session that left a transaction
    // open (its client gone or stuck) is ended, so the transaction is rolled back and its locks released.
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // Enforced here, for a server that does not answer at all; the connection is then discarded (see guard).
    query_timeout: timeouts.statementMs + CLIENT_GUARD_MARGIN_MS,
  });

  let counter = 0;
  let closed = false;
  /** The LISTEN connection while it is connected; undefined while we cannot hear other processes' changes. */
  let listener: Client | undefined;

  const dropListener = (client: Client) => {
    if (listener === client) listener = undefined;
    client.end().catch(() => {});
  };
  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ ...connection, query_timeout: timeouts.connectMs });
    client.on('notification', () => {
      counter += 1;
    });
    client.on('error', () => {
      dropListener(client);
      availability.markUnavailable('connection lost');
    });
    const started = performance.now();
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      dropListener(client);
      throw connectFailure(error, where, performance.now() - started, timeouts.connectMs);
    }
    // A connection that finished opening after close() would stay open, unowned, until the server ended it.
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    counter += 1; // anything may have changed while we were not listening
  };
  // The probe is the LISTEN connection itself: the database is back when it is connected again and answers.
  const availability = new Availability(
    async () => {
      if (closed) throw new StoreUnavailableError('closed');
      if (!listener) return connectListener();
      const client = listener;
      try {
        await client.query('select 1');
      } catch (error) {
        dropListener(client);
        throw error;
      }
    },
    // Catch-up: whatever changed during the outage was not announced to us, so every cache reloads.
    () => {
      counter += 1;
    },
  );

  // A client checked out of the pool has no error listener of pg-pool's: without one, a connection lost under a
  // query (server stopped, backend terminated) is an unhandled 'error' event that ends the process. The failure
  // itself reaches the request through its query, which rejects; here it only must not crash anything.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  // An idle client that errors is removed by the pool; the next checkout connects anew (or fails and marks us down).
  pool.on('error', () => {});

  /** Store.prepared: the text of each hot statement and the name it is prepared under on every connection. */
  const preparedNames = new Map<string, string>();

  /**
   * One pool client as Kysely uses it. A connection-level failure marks the database unavailable and discards the
   * connection when it is released, so a statement that the client-side guard gave up on can never be followed by
   * another (a COMMIT) on the same connection once a frozen server wakes: the server sees the session end and
   * rolls its open transaction back.
   */
  const guard = (client: PoolClient): PostgresPoolClient => {
    let broken: Error | undefined;
    const query = async (text: string, parameters: ReadonlyArray<unknown>) => {
      countStatements?.(1);
      // pg parses a named statement on a connection the first time it is used there, and then only binds it.
      const name = preparedNames.get(text);
      try {
        const values = parameters as unknown[];
        return await (name === undefined ? client.query(text, values) : client.query({ name, text, values }));
      } catch (error) {
        if (isConnectionFailure(error)) {
          broken = error as Error;
          availability.markUnavailable(unavailableReason(error)!);
        }
        throw error;
      }
    };
    // Kysely passes a cursor only when the dialect is given a cursor class, which this one is not.
    return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release(broken) };
  };
  /** A pool client within the acquire timeout, or a StoreUnavailableError; a client that comes late goes back. */
  const acquire = () =>
    new Promise<PoolClient>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new StoreUnavailableError(`no database connection free within ${timeouts.acquireMs} ms`));
      }, timeouts.acquireMs);
      pool.connect().then(
        (client) => {
          clearTimeout(timer);
          if (timedOut) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (isConnectionFailure(error)) availability.markUnavailable(unavailableReason(error)!);
          if (!timedOut) reject(error);
        },
      );
    });
  const gatedPool: PostgresPool = {
    connect: async () => {
      availability.assertAvailable();
      return guard(await acquire());
    },
    end: () => pool.end(),
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: gatedPool }) });

  // The first connection doubles as the start-up check: an unreachable server is named at once, not after a hang.
  await connectListener();
  /**
   * A listening connection can die without a word (a NAT or firewall that forgets an idle flow, a partition): it
   * stays "connected", no 'error' comes, and no other instance's change is heard again, while the pool's busy
   * connections keep working. So it is asked to answer every connect timeout; one that does not (its query_timeout
   * is the connect timeout) is treated as lost: the store is unavailable until the probe has listened anew, and
   * every cache reloads then.
   */
  const heartbeat = setInterval(() => {
    const client = listener;
    if (!client || closed) return;
    client.query('select 1').catch(() => {
      if (listener !== client) return;
      dropListener(client);
      availability.markUnavailable('the change listener stopped answering');
    });
  }, timeouts.connectMs);
  heartbeat.unref();

  return {
    db,
    dialect: 'postgres',
    writeTransaction: (work) => db.transaction().execute(work),
    compareAndWrite: (guard, writes, signal) =>
      db.transaction().execute(async (tx) => {
        if (Number((await tx.executeQuery(guard)).numAffectedRows ?? 0n) !== 1) return false;
        for (const write of writes) await tx.executeQuery(write);
        signal?.throwIfAborted();
        return true;
      }),
    prepared: (query) => {
      if (!preparedNames.has(query.sql) && preparedNames.size < MAX_PREPARED_STATEMENTS)
        preparedNames.set(query.sql, `gatehouse_${preparedNames.size + 1}`);
      return query;
    },
    // Migrations may legitimately run longer than a request's statement timeout (an index on a big table, or
    // waiting for another process's migration lock), so they get a connection of their own without one. Kysely's
    // migrator takes an advisory lock on PostgreSQL.
    migrate: async () => {
      const migrator = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...connection, max: 1 }) }) });
      try {
        return await migrateToLatest(migrator);
      } finally {
        await migrator.destroy();
      }
    },
    // While the listener is down nothing can be trusted to be fresh: every call is a new generation, and caches
    // reload (or, while the database is unavailable too, fall back to what they hold; see GenerationCache).
    generation: () => (listener ? counter : ++counter),
    announceChange: async () => {
      counter += 1;
      await sql`select pg_notify(${CHANNEL}, '')`.execute(db);
    },
    // Bounded: a frozen server must not hold /health for the length of the statement guard.
    health: async () => {
      if (availability.reason !== undefined) return { ok: false, dialect: 'postgres', error: availability.reason };
      const health = await measure('postgres', db, timeouts.connectMs);
      if (!health.ok) availability.markUnavailable(health.error ?? 'health check failed');
      return health;
    },
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      availability.close();
      // Awaited, so that nothing of the store is still connected when close() resolves (a database dropped or
      // stopped right after must find no session of ours to terminate).
      const ending = listener;
      listener = undefined;
      await Promise.all([ending?.end().catch(() => {}), db.destroy()]);
    },
  };
}
