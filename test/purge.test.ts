import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nowSeconds } from '../src/store/json-list.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

for (const backend of backends()) {
  describe(`periodic purge of expired records (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());

    test('removes long-dead sessions, old sign-in counters and expired revocations; keeps what is live', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      const session = (id: string, expiresAt: number, revokedAt: number | null) => ({
        id,
        token_hash: `hash-${id}`,
        user_id: 'u',
        auth_time: now - 10,
        created_at: now - 10,
        expires_at: expiresAt,
        ip: '',
        user_agent: '',
        revoked_at: revokedAt,
      });
      await db
        .insertInto('sessions')
        .values([session('live', now + 3600, null), session('expired', now - 2 * 86400, null), session('signed-out', now + 3600, now - 2 * 86400)])
        .execute();
      await db.insertInto('login_throttle').values([{ key: 'user:old', failures: 3, window_start: now - 2 * 86400 }, { key: 'user:new', failures: 1, window_start: now }]).execute();
      await db
        .insertInto('revoked_tokens')
        .values([{ jti: 'old', client_id: 'c', expires_at: now - 3600, revoked_at: now - 7200 }, { jti: 'current', client_id: 'c', expires_at: now + 600, revoked_at: now }])
        .execute();

      await server.server.gatehouse.purgeExpired();

      assert.deepEqual((await db.selectFrom('sessions').select('id').orderBy('id').execute()).map((r) => r.id), ['live']);
      assert.deepEqual((await db.selectFrom('login_throttle').select('key').execute()).map((r) => r.key), ['user:new']);
      assert.deepEqual((await db.selectFrom('revoked_tokens').select('jti').execute()).map((r) => r.jti), ['current']);
    });
  });
}
