import { type Kysely, sql } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';

/**
 * Runs `work` in one write transaction of `store` (Store.writeTransaction), handing it a Store bound to that
 * transaction, so that repositories built over it write together or not at all and read their own uncommitted
 * writes. Caches hear of a change only once it is committed: announcing it earlier would let another request
 * refill a cache with the state from before.
 */
export async function inTransaction<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  let changed = false;
  const result = await store.writeTransaction((db) =>
    work(
      transactionStore(store, db, () => {
        changed = true;
      }),
    ),
  );
  if (changed) await store.announceChange();
  return result;
}

const outsideTransaction = (what: string) => () => Promise.reject(new Error(`${what} cannot run inside a transaction`));

/**
 * The Store of one open transaction. Its `db` is the transaction: on SQLite every statement of it, reads included,
 * runs on the writer thread's connection inside the transaction; on PostgreSQL on the one pool connection that
 * holds it. What would open a transaction of its own runs in this one instead, as a savepoint, never on another
 * connection (on SQLite that would wait for this very transaction to let go of the writer).
 */
function transactionStore(outer: Store, db: Kysely<Database>, noteChange: () => void): Store {
  const nested = async <T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> => {
    // Savepoints of one name nest: RELEASE and ROLLBACK TO name the innermost (SQLite and PostgreSQL alike).
    await sql`savepoint nested`.execute(db);
    let result: T;
    try {
      result = await work(db);
    } catch (error) {
      // Fails only when the database ended the whole transaction itself (SQLITE_FULL): the error that says what
      // happened is the one thrown.
      await sql`rollback to savepoint nested`.execute(db).catch(() => {});
      throw error;
    }
    await sql`release savepoint nested`.execute(db);
    return result;
  };
  return {
    db,
    dialect: outer.dialect,
    generation: () => outer.generation(),
    writeTransaction: nested,
    // As Store.compareAndWrite promises: the guard and its writes are applied together or not at all.
    compareAndWrite: (guard, writes, signal) =>
      nested(async (tx) => {
        if (Number((await tx.executeQuery(guard)).numAffectedRows ?? 0n) !== 1) return false;
        for (const write of writes) await tx.executeQuery(write);
        signal?.throwIfAborted();
        return true;
      }),
    prepared: (query) => outer.prepared(query),
    announceChange: async () => noteChange(),
    health: () => outer.health(),
    migrate: outsideTransaction('migrations'),
    close: outsideTransaction('closing the store'),
  };
}
