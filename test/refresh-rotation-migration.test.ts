import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openStore, storeOptionsOf, type Store } from '../src/store/database.js';
import { GrantRepository } from '../src/store/grants.js';
import { nowSeconds } from '../src/store/json-list.js';
import { MIGRATION_NAMES, migrateToLatest } from '../src/store/migrations.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { createPostgresDatabase } from './helpers/server.js';

/** Migration 0004_refresh_rotation keeps every family that existed before it: its live token, its used ones, its context. */
for (const backend of backends()) {
  describe(`migration 0004_refresh_rotation (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('moves the context onto the grant, the live token into the family and the hashes into 32 bytes', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-migration-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const database = backend.postgresUrl ? await createPostgresDatabase(backend.postgresUrl) : undefined;
      if (database) cleanup.push(database.drop);
      const store: Store = await openStore(storeOptionsOf(loadConfig({ GATEHOUSE_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) }), false));
      cleanup.push(() => store.close());
      const old = store.db as unknown as Kysely<any>;
      await migrateToLatest(old, '0003_console_and_audit');

      const now = nowSeconds();
      const [used, live, other] = [sha256Hex('token used'), sha256Hex('token live'), sha256Hex('token other')];
      const context = { client_id: 'app', user_id: 'alice', session_id: 'sid-1', scopes: '["openid","offline"]', audience: 'https://api', auth_time: now - 60, requested_at: now - 61 };
      await old.insertInto('grants').values([
        { id: 'g1', user_id: 'alice', client_id: 'app', scopes: context.scopes, created_at: now - 60, revoked_at: null },
        { id: 'g2', user_id: 'alice', client_id: 'app', scopes: '["openid"]', created_at: now - 60, revoked_at: null },
      ]).execute();
      const token = (hash: string, usedAt: number | null) => ({ token_hash: hash, grant_id: 'g1', ...context, created_at: now - 30, expires_at: now + 86400, used_at: usedAt });
      await old.insertInto('refresh_tokens').values([token(used, now - 10), token(live, null)]).execute();

      assert.deepEqual(await migrateToLatest(old), MIGRATION_NAMES.filter((name) => name > '0003_console_and_audit'));

      const grants = new GrantRepository(store);
      const found = await grants.findRefreshToken(live);
      assert.deepEqual(found, {
        tokenHash: live,
        expiresAt: now + 86400,
        grant: { clientId: 'app', userId: 'alice', sessionId: 'sid-1', scopes: ['openid', 'offline'], audience: 'https://api', authTime: now - 60, requestedAt: now - 61 },
        family: { grantId: 'g1', revoked: false, liveTokenHash: live, rotatedTokenHash: null, rotatedAt: null },
      });
      assert.equal((await grants.findRefreshToken(used))?.family.grantId, 'g1', 'a used token must still be known, for reuse detection');
      assert.equal(await grants.findRefreshToken(other), undefined);
      const rows = await store.db.selectFrom('refresh_tokens').select('token_hash').execute();
      assert.deepEqual(rows.map((row) => Buffer.from(row.token_hash).toString('hex')).sort(), [used, live].sort());
      // A grant without refresh tokens keeps working for what it has (access tokens); it has no live token.
      const plain = await store.db.selectFrom('grants').selectAll().where('id', '=', 'g2').executeTakeFirstOrThrow();
      assert.equal(plain.refresh_token_hash, null);
    });
  });
}
