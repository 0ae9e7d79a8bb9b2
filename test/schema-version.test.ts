import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openStore, storeOptionsOf } from '../src/store/database.js';
import { MIGRATION_NAMES, migrateToLatest, recordedMigrations } from '../src/store/migrations.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv, gatehouse, gatehouseJson } from './helpers/cli.js';
import { freePort } from './helpers/server.js';

const LATEST = MIGRATION_NAMES.at(-1)!;
const FUTURE = '0099_from_a_newer_gatehouse';
const NEWER_STORE = new RegExp(`this store was migrated by a newer Gatehouse \\(unknown migration ${FUTURE}\\); upgrade Gatehouse`);

/** Works on the store of `env` directly, unmigrated, and closes it. */
async function withDatabase<T>(env: Record<string, string>, work: (db: Kysely<any>) => Promise<T>): Promise<T> {
  const store = await openStore(storeOptionsOf(loadConfig(env), false));
  try {
    return await work(store.db as unknown as Kysely<any>);
  } finally {
    await store.close();
  }
}

/**
 * The schema version is the latest migration recorded in the store (issue 10, item 7). Before: `migrate --json` did not
 * say it, and a store that a newer Gatehouse had migrated failed with Kysely's "corrupted migrations: previously
 * executed migration … is missing", which names neither the cause nor the fix.
 */
for (const backend of backends()) {
  describe(`schema version (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('migrate --json reports the schema version, the latest migration recorded in the store', async () => {
      const env = await freshStoreEnv(backend, cleanup);
      assert.deepEqual(await gatehouseJson(env, 'migrate'), { applied: MIGRATION_NAMES, dialect: backend.name, schema_version: LATEST });
      assert.deepEqual(await gatehouseJson(env, 'migrate'), { applied: [], dialect: backend.name, schema_version: LATEST });
      const text = await gatehouse(env, 'migrate');
      assert.equal(text.stdout, `The schema is up to date. Schema version ${LATEST} (${backend.name})\n`);
      assert.deepEqual(await withDatabase(env, recordedMigrations), MIGRATION_NAMES);
    });

    describe('a store migrated by a newer Gatehouse', () => {
      let env: Record<string, string>;
      before(async () => {
        // One migration behind this build, plus one this build does not know: what refusing must leave alone.
        env = await freshStoreEnv(backend, cleanup);
        await withDatabase(env, async (db) => {
          await migrateToLatest(db, MIGRATION_NAMES.at(-2));
          await db.insertInto('gatehouse_migrations').values({ name: FUTURE, timestamp: new Date().toISOString() }).execute();
        });
      });

      const refusedWith = (result: { code: number | null; stdout: string; stderr: string }) => {
        assert.equal(result.code, 1, `exits with 1 (stderr: ${result.stderr})`);
        assert.match(result.stderr, NEWER_STORE);
        assert.doesNotMatch(result.stderr, /\n\s+at |corrupted migrations/, "no stack trace, not Kysely's message");
        assert.equal(result.stdout, '');
      };

      test('serve, migrate and other commands refuse it, naming the unknown migration', async () => {
        refusedWith(await gatehouse(env, 'migrate', '--json'));
        refusedWith(await gatehouse(env, 'clients', 'list', '--json'));
        refusedWith(await gatehouse({ ...env, PORT: String(await freePort()) }, 'serve'));
      });

      test('refusing applies nothing: the migration this build has and the store lacks is still not applied', async () => {
        assert.deepEqual(await withDatabase(env, recordedMigrations), [...MIGRATION_NAMES.slice(0, -1), FUTURE].sort());
      });

      test('migrateToLatest throws the same error for a library caller', async () => {
        await withDatabase(env, async (db) => {
          await assert.rejects(migrateToLatest(db), (error: Error) => {
            assert.equal(error.name, 'UnknownMigrationError');
            assert.match(error.message, NEWER_STORE);
            return true;
          });
        });
      });
    });
  });
}
