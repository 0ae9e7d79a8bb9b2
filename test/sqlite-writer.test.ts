import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { StoreUnavailableError, unavailableReason } from '../src/ports/storage-errors.js';
import { openStore, type Store, storeOptionsOf } from '../src/store/database.js';
import { isUniqueViolation } from '../src/store/errors.js';

/**
 * The SQLite store's writer thread, on a real file: transactions and the statements around them, the write
 * timeout's rollback, and change tracking across the two connections.
 */
describe('SQLite writer thread', () => {
  const WRITE_TIMEOUT_MS = 400;
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-writer-'));
    // The migrations run under the default write timeout: on a loaded machine they can take longer than the short
    // one the tests below are about, which then finds the schema in place.
    await (await openStore(storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dir })))).close();
    store = await openStore(
      storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dir, GATEHOUSE_DB_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS) })),
    );
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const role = (name: string) => ({ tenant_id: 'default', name, description: '', scopes: '[]', created_at: 1 });
  const roleNames = async (prefix: string) =>
    (await store.db.selectFrom('roles').select('name').where('name', 'like', `${prefix}%`).orderBy('name').execute()).map(
      (row) => row.name,
    );

  test('a transaction that outlives the write timeout is rolled back whole, and the writer serves the next write', async () => {
    const attempt = store.writeTransaction(async (trx) => {
      await trx.insertInto('roles').values(role('late-a')).execute();
      await sleep(WRITE_TIMEOUT_MS * 2);
      await trx.insertInto('roles').values(role('late-b')).execute();
    });
    await assert.rejects(attempt, (error: unknown) => error instanceof StoreUnavailableError && /in time/.test(error.message));
    assert.deepEqual(await roleNames('late-'), []);
    await store.db.insertInto('roles').values(role('late-c')).execute();
    assert.deepEqual(await roleNames('late-'), ['late-c']);
  });

  test('a write from outside waits for the open transaction and is not part of it', async () => {
    let outside: Promise<unknown> | undefined;
    const attempt = store.writeTransaction(async (trx) => {
      await trx.insertInto('roles').values(role('tx-inside')).execute();
      outside = store.db.insertInto('roles').values(role('tx-outside')).execute();
      await sleep(50);
      // Reads outside see only what is committed; inside, the transaction's own write.
      assert.deepEqual(await roleNames('tx-'), []);
      assert.equal((await trx.selectFrom('roles').select('name').where('name', '=', 'tx-inside').execute()).length, 1);
      throw new Error('changed my mind');
    });
    await assert.rejects(attempt, /changed my mind/);
    await outside;
    assert.deepEqual(await roleNames('tx-'), ['tx-outside']);
  });

  test('statements after a BEGIN that could not get the lock are refused, not run outside the transaction', async () => {
    const holder = new BetterSqlite3(join(dir, 'gatehouse.sqlite'));
    holder.exec('begin immediate');
    try {
      const attempt = store.writeTransaction(async (trx) => {
        await trx
          .insertInto('roles')
          .values(role('locked-a'))
          .execute()
          .catch(() => {});
        await trx.insertInto('roles').values(role('locked-b')).execute();
      });
      await assert.rejects(attempt, (error: unknown) => unavailableReason(error) !== undefined);
    } finally {
      holder.exec('rollback');
      holder.close();
    }
    assert.deepEqual(await roleNames('locked-'), []);
  });

  test('SQLite errors keep their codes across the thread, and a failed statement leaves the transaction usable', async () => {
    await store.db.insertInto('roles').values(role('dup')).execute();
    await assert.rejects(store.db.insertInto('roles').values(role('dup')).execute(), (error: unknown) => isUniqueViolation(error));
    const inserted = await store.writeTransaction(async (trx) => {
      await trx
        .insertInto('roles')
        .values(role('dup'))
        .execute()
        .catch((error: unknown) => assert.ok(isUniqueViolation(error)));
      const result = await trx.insertInto('roles').values(role('dup-2')).executeTakeFirst();
      return result.numInsertedOrUpdatedRows;
    });
    assert.equal(inserted, 1n);
    assert.deepEqual(await roleNames('dup'), ['dup', 'dup-2']);
  });

  test('the generation moves with announced changes, here at once and from another process within milliseconds, not with every commit', async () => {
    const before = store.generation();
    await store.db.updateTable('roles').set({ description: 'changed' }).where('name', '=', 'dup').execute();
    await sleep(2); // past the millisecond data_version is cached for
    assert.equal(store.generation(), before, 'a write that changes nothing cached (a code issued) empties no cache');
    await store.announceChange();
    const announced = store.generation();
    assert.notEqual(announced, before);
    const other = await openStore(storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dir })));
    try {
      await other.announceChange();
    } finally {
      await other.close();
    }
    await sleep(2);
    assert.notEqual(store.generation(), announced, "another process's announcement is seen");
  });

  test('close() ends the writer thread; a write afterwards is refused', async () => {
    const threads = () => process.getActiveResourcesInfo().filter((kind) => kind === 'MessagePort').length;
    const running = threads();
    const other = await openStore(storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dir })));
    assert.equal(threads(), running + 1);
    await other.db.insertInto('roles').values(role('from-other')).execute();
    await other.close();
    assert.equal(threads(), running);
    assert.deepEqual(await roleNames('from-other'), ['from-other']);
    await assert.rejects(other.db.insertInto('roles').values(role('after-close')).execute());
    assert.deepEqual(await roleNames('after-close'), []);
  });
});
