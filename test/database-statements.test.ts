import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { openStore, type Store, storeOptionsOf } from '../src/store/database.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const COUNTER = 'gatehouse_database_statements_total';

const counterValue = (text: string): number | undefined => {
  const found = text.split('\n').find((line) => line.startsWith(`${COUNTER} `));
  return found === undefined ? undefined : Number(found.slice(COUNTER.length + 1));
};

/**
 * The count of statements the store sends (the benchmark's round trips per operation, read off /metrics): exact for
 * known work on both databases, and exposed by the server.
 */
for (const backend of backends()) {
  describe(`statements sent to the database (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let store: Store;
    let counted = 0;
    before(async () => {
      const config = loadConfig(await freshStoreEnv(backend, cleanup));
      store = await openStore({ ...storeOptionsOf(config), countStatements: (count) => (counted += count) });
      cleanup.push(() => store.close());
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    const role = (name: string) => ({ tenant_id: 'default', name, description: '', scopes: '[]', created_at: 1 });
    /** How many statements `work` sent. */
    const statementsOf = async (work: () => Promise<unknown>) => {
      const before = counted;
      await work();
      return counted - before;
    };
    // PostgreSQL: every statement is its own round trip, BEGIN and COMMIT too. SQLite: the statements the engine runs;
    // the writer thread opens and ends the transaction with them.
    const transaction = (statements: number) => (backend.name === 'postgres' ? statements + 2 : statements);

    test('a query outside a transaction is one statement', async () => {
      assert.equal(await statementsOf(() => store.db.selectFrom('roles').select('name').execute()), 1);
      assert.equal(await statementsOf(() => store.db.insertInto('roles').values(role('count-outside')).execute()), 1);
    });

    test('a write transaction counts its statements (and, on PostgreSQL, its BEGIN and COMMIT)', async () => {
      const sent = await statementsOf(() =>
        store.writeTransaction(async (trx) => {
          await trx.insertInto('roles').values(role('count-tx-a')).execute();
          await trx.insertInto('roles').values(role('count-tx-b')).execute();
        }),
      );
      assert.equal(sent, transaction(2));
      const stored = await store.db.selectFrom('roles').select('name').where('name', 'like', 'count-tx-%').orderBy('name').execute();
      assert.deepEqual(
        stored.map((row) => row.name),
        ['count-tx-a', 'count-tx-b'],
      );
    });

    test('compareAndWrite counts its guard and its writes', async () => {
      const guard = store.db
        .updateTable('roles')
        .set({ description: 'guarded' })
        .where('tenant_id', '=', 'default')
        .where('name', '=', 'count-outside')
        .compile();
      const write = store.db.insertInto('roles').values(role('count-cas')).compile();
      let applied: boolean | undefined;
      const sent = await statementsOf(async () => {
        applied = await store.compareAndWrite(guard, [write]);
      });
      assert.equal(applied, true);
      assert.equal(sent, transaction(2));
      const row = await store.db.selectFrom('roles').select('description').where('name', '=', 'count-outside').executeTakeFirst();
      assert.equal(row?.description, 'guarded');
    });
  });

  describe(`GET /metrics counts the statements sent to the database (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());

    const scrape = async () => (await fetch(`${server.url}/metrics`)).text();

    test('a counter that a token request for a client not yet cached moves', async () => {
      await server.createRole('counted', ['demo:read']);
      const { clientId, clientSecret } = await server.createClient({ roles: ['counted'] });
      const before = await scrape();
      assert.match(before, new RegExp(`^# TYPE ${COUNTER} counter$`, 'm'));
      const response = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
      });
      assert.equal(response.status, 200);
      const sent = counterValue(await scrape())! - counterValue(before)!;
      // At least the client's record is read; the count is the store's own, not an estimate.
      assert.ok(Number.isInteger(sent) && sent >= 1, `statements counted for the request: ${sent}`);
    });
  });
}
