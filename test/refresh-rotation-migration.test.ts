import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { nowSeconds } from '../src/ports/clock.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { GrantRepository } from '../src/store/grants.js';
import { MIGRATION_NAMES, migrateToLatest } from '../src/store/migrations.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { storeBeforeMigration } from './helpers/migrations.js';

/** Migration 0004_refresh_rotation keeps every family that existed before it: its live token, its used ones, its context. */
for (const backend of backends()) {
  describe(`migration 0004_refresh_rotation (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('moves the context onto the grant, the live token into the family and the hashes into 32 bytes', async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, '0004_refresh_rotation');

      const now = nowSeconds();
      const [used, live, other] = [sha256Hex('token used'), sha256Hex('token live'), sha256Hex('token other')];
      const context = {
        client_id: 'app',
        user_id: 'alice',
        session_id: 'sid-1',
        scopes: '["openid","offline"]',
        audience: 'https://api',
        auth_time: now - 60,
        requested_at: now - 61,
      };
      await old
        .insertInto('grants')
        .values([
          { id: 'g1', user_id: 'alice', client_id: 'app', scopes: context.scopes, created_at: now - 60, revoked_at: null },
          { id: 'g2', user_id: 'alice', client_id: 'app', scopes: '["openid"]', created_at: now - 60, revoked_at: null },
        ])
        .execute();
      const token = (hash: string, usedAt: number | null) => ({
        token_hash: hash,
        grant_id: 'g1',
        ...context,
        created_at: now - 30,
        expires_at: now + 86400,
        used_at: usedAt,
      });
      await old
        .insertInto('refresh_tokens')
        .values([token(used, now - 10), token(live, null)])
        .execute();

      assert.deepEqual(await migrateToLatest(old), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0004_refresh_rotation')));

      const grants = new GrantRepository(store, DEFAULT_TENANT);
      const found = await grants.findRefreshToken(live);
      assert.deepEqual(found, {
        tokenHash: live,
        expiresAt: now + 86400,
        grant: {
          clientId: 'app',
          userId: 'alice',
          sessionId: 'sid-1',
          scopes: ['openid', 'offline'],
          audience: 'https://api',
          authTime: now - 60,
          requestedAt: now - 61,
        },
        family: { grantId: 'g1', startedAt: now - 60, revoked: false, liveTokenHash: live, rotatedTokenHash: null, rotatedAt: null },
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
