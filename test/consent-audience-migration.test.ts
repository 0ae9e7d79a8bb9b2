import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { ConsentRepository } from '../src/store/consents.js';
import { openStore, storeOptionsOf, type Store } from '../src/store/database.js';
import { nowSeconds } from '../src/store/json-list.js';
import { MIGRATION_NAMES, migrateToLatest } from '../src/store/migrations.js';
import { backends } from './helpers/backends.js';
import { createPostgresDatabase } from './helpers/server.js';

const MIGRATION = '0009_consent_audience';

/** Migration 0009_consent_audience keeps every consent, as one for the default API, and keys consents by API. */
for (const backend of backends()) {
  describe(`migration ${MIGRATION} (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('existing consents become consents for the default API; another API needs its own', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-migration-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const database = backend.postgresUrl ? await createPostgresDatabase(backend.postgresUrl) : undefined;
      if (database) cleanup.push(database.drop);
      const config = loadConfig({ GATEHOUSE_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) });
      const store: Store = await openStore(storeOptionsOf(config, false));
      cleanup.push(() => store.close());
      const old = store.db as unknown as Kysely<any>;
      await migrateToLatest(old, MIGRATION_NAMES[MIGRATION_NAMES.indexOf(MIGRATION) - 1]);

      const grantedAt = nowSeconds() - 3600;
      await old.insertInto('consents').values([
        { user_id: 'alice', client_id: 'notes', scopes: '["openid","offline"]', granted_at: grantedAt },
        { user_id: 'bob', client_id: 'notes', scopes: '["openid"]', granted_at: grantedAt },
      ]).execute();

      assert.ok((await migrateToLatest(old)).includes(MIGRATION));

      const consents = new ConsentRepository(store, config.defaultAudience);
      assert.deepEqual(await consents.get('alice', 'notes', config.defaultAudience), {
        userId: 'alice',
        clientId: 'notes',
        audience: config.defaultAudience,
        scopes: ['openid', 'offline'],
        grantedAt,
      });
      assert.equal(await consents.get('alice', 'notes', 'https://orders.example.com'), undefined);
      // A consent at another API sits beside the old one; neither changes the other.
      await consents.grant('alice', 'notes', 'https://orders.example.com', ['orders:read']);
      assert.deepEqual((await consents.listForUser('alice')).map(({ audience, scopes }) => ({ audience, scopes })).sort((a, b) => a.audience.localeCompare(b.audience)), [
        { audience: config.defaultAudience, scopes: ['openid', 'offline'] },
        { audience: 'https://orders.example.com', scopes: ['orders:read'] },
      ]);
      assert.deepEqual((await consents.get('bob', 'notes', config.defaultAudience))?.scopes, ['openid']);
      // A server whose default API is named differently still finds the consents given for its default API.
      assert.deepEqual((await new ConsentRepository(store, 'https://renamed.example.com/api').get('alice', 'notes', 'https://renamed.example.com/api'))?.scopes, ['openid', 'offline']);
      assert.equal(await consents.withdraw('alice', 'notes'), true);
      assert.deepEqual(await consents.listForUser('alice'), []);
    });
  });
}
