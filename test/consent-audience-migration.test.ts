import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { nowSeconds } from '../src/ports/clock.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { ConsentRepository } from '../src/store/consents.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { backends } from './helpers/backends.js';
import { storeBeforeMigration } from './helpers/migrations.js';

const MIGRATION = '0009_consent_audience';

/** Migration 0009_consent_audience keeps every consent, as one for the default API, and keys consents by API. */
for (const backend of backends()) {
  describe(`migration ${MIGRATION} (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('existing consents become consents for the default API; another API needs its own', async () => {
      const { config, store, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);

      const grantedAt = nowSeconds() - 3600;
      await old
        .insertInto('consents')
        .values([
          { user_id: 'alice', client_id: 'notes', scopes: '["openid","offline"]', granted_at: grantedAt },
          { user_id: 'bob', client_id: 'notes', scopes: '["openid"]', granted_at: grantedAt },
        ])
        .execute();

      assert.ok((await migrateToLatest(old)).includes(MIGRATION));

      const consents = new ConsentRepository(store, DEFAULT_TENANT, config.defaultAudience);
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
      assert.deepEqual(
        (await consents.listForUser('alice'))
          .map(({ audience, scopes }) => ({ audience, scopes }))
          .sort((a, b) => a.audience.localeCompare(b.audience)),
        [
          { audience: config.defaultAudience, scopes: ['openid', 'offline'] },
          { audience: 'https://orders.example.com', scopes: ['orders:read'] },
        ],
      );
      assert.deepEqual((await consents.get('bob', 'notes', config.defaultAudience))?.scopes, ['openid']);
      // A server whose default API is named differently still finds the consents given for its default API.
      assert.deepEqual(
        (
          await new ConsentRepository(store, DEFAULT_TENANT, 'https://renamed.example.com/api').get(
            'alice',
            'notes',
            'https://renamed.example.com/api',
          )
        )?.scopes,
        ['openid', 'offline'],
      );
      assert.equal(await consents.withdraw('alice', 'notes'), true);
      assert.deepEqual(await consents.listForUser('alice'), []);
    });
  });
}
