import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { backends } from './helpers/backends.js';
import { gatehouse, gatehouseInProcess, gatehouseJson, migratedStoreForSuite } from './helpers/cli.js';

/** Issue 10 item 11: one flag name per idea, and the CLI says which store and issuer it works on. */
for (const backend of backends()) {
  describe(`CLI conventions (${backend.name})`, () => {
    const storeEnv = migratedStoreForSuite(backend);

    test('a command that opens the store names the store and the issuer on stderr first; stdout stays the result', async () => {
      const env = storeEnv();
      const store = backend.postgresUrl
        ? (({ hostname, port, pathname }) => `postgresql ${hostname}:${port || 5432}/${pathname.slice(1)}`)(new URL(env.DATABASE_URL!))
        : `sqlite ${join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite')}`;
      const listed = await gatehouse(env, 'roles', 'list', '--json');
      assert.deepEqual(JSON.parse(listed.stdout), []);
      assert.equal(listed.stderr, `gatehouse: store ${store}, issuer http://localhost:4444\n`);
      const elsewhere = await gatehouse({ ...env, PORT: '5555' }, 'migrate');
      assert.match(elsewhere.stdout, /^The schema is up to date/);
      assert.equal(elsewhere.stderr, `gatehouse: store ${store}, issuer http://localhost:5555\n`);
      if (backend.postgresUrl) {
        // The test cluster trusts local connections, so a password in the URL is taken and ignored: it must not be shown.
        const withPassword = new URL(env.DATABASE_URL!);
        withPassword.password = 'Tq8-never-shown-5Xe';
        const shown = await gatehouse({ ...env, DATABASE_URL: withPassword.href }, 'roles', 'list');
        assert.equal(shown.code, 0, shown.stderr);
        assert.equal(shown.stderr, `gatehouse: store ${store}, issuer http://localhost:4444\n`);
      } else {
        // Started from another directory, a relative GATEHOUSE_DATA_DIR is another store: the line says it is new.
        const other = join(env.GATEHOUSE_DATA_DIR!, 'elsewhere');
        const line = `gatehouse: store sqlite ${join(other, 'gatehouse.sqlite')}`;
        const listOther = async () => (await gatehouse({ ...env, GATEHOUSE_DATA_DIR: other }, 'roles', 'list')).stderr;
        assert.equal(await listOther(), `${line} (new), issuer http://localhost:4444\n`);
        assert.equal(await listOther(), `${line}, issuer http://localhost:4444\n`);
      }
    });

    test('--scopes everywhere; --scope, the old name on clients create and update, still works but is not in --help', async () => {
      const env = storeEnv();
      const client = await gatehouseJson(env, 'clients', 'create', '--name', 'Billing', '--scopes', 'a:read  b:read');
      assert.equal(client.scope, 'a:read b:read');
      const old = await gatehouseJson(env, 'clients', 'update', client.client_id, '--scope', 'extra:write');
      assert.equal(old.scope, 'extra:write');
      const created = await gatehouseJson(env, 'clients', 'create', '--name', 'Old script', '--scope', 'c:read');
      assert.equal(created.scope, 'c:read');
      const both = await gatehouse(env, 'clients', 'update', client.client_id, '--scopes', 'a:read', '--scope', 'b:read', '--json');
      assert.deepEqual([both.code, both.stdout], [1, '']);
      assert.match(both.stderr, /^gatehouse: --scope is the old name of --scopes: give the scopes once$/m);
      assert.equal((await gatehouseJson(env, 'clients', 'get', client.client_id)).scope, 'extra:write', 'nothing changed');
      for (const command of [
        ['clients', 'create'],
        ['clients', 'update'],
        ['roles', 'create'],
        ['apis', 'create'],
      ]) {
        const help = await gatehouseInProcess({}, [...command, '--help']);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /--scopes <"a b">/, command.join(' '));
        assert.doesNotMatch(help.stdout, /--scope\b(?!s)/, command.join(' '));
      }
    });
  });
}
