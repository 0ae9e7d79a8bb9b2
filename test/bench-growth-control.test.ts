import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Census, type EventLoopDelay, startGrowthControl, type TimedPurge } from '../bench/lib/growth-control.js';
import { nowSeconds } from '../src/ports/clock.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86400;

/**
 * The growth benchmark's control port (bench/lib/growth-control.ts) on a real store: ageing moves the stored times
 * back, the census counts the rows it moved as old, and its purge is the server's own.
 */
for (const backend of backends()) {
  describe(`growth benchmark control (${backend.name})`, () => {
    let server: TestServer;
    let control: Awaited<ReturnType<typeof startGrowthControl>>;
    before(async () => {
      server = await startTestServer(backend, {}, { purges: false });
      control = await startGrowthControl(server.server.gatehouse);
    });
    after(async () => {
      await control.close();
      await server.close();
    });
    const call = async <T>(method: string, path: string): Promise<T> => {
      const response = await fetch(control.url + path, { method });
      const body = await response.text();
      assert.equal(response.status, 200, body);
      return JSON.parse(body) as T;
    };

    test('age moves every stored time back, the census counts those rows as old, and the purge removes them only', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      const revoked = (jti: string) => ({ tenant_id: 'default', jti, client_id: 'c', expires_at: now + 600, revoked_at: now });
      await db
        .insertInto('revoked_tokens')
        .values([revoked('before-1'), revoked('before-2')])
        .execute();
      await db
        .insertInto('sign_in_delays')
        .values({ tenant_id: 'default', key: 'user:x', failures: 1, last_failure_ms: now * 1000, previous_failure_ms: 0, claim: 'c' })
        .execute();

      const moved = await call<Record<string, number>>('POST', '/age?days=400');
      assert.equal(moved.revoked_tokens, 2);
      assert.equal(moved.sign_in_delays, 1);
      const aged = await db.selectFrom('revoked_tokens').select(['jti', 'expires_at', 'revoked_at']).orderBy('jti').execute();
      assert.deepEqual(aged, [
        { jti: 'before-1', expires_at: now + 600 - 400 * DAY, revoked_at: now - 400 * DAY },
        { jti: 'before-2', expires_at: now + 600 - 400 * DAY, revoked_at: now - 400 * DAY },
      ]);
      const delay = await db.selectFrom('sign_in_delays').select(['last_failure_ms', 'previous_failure_ms']).executeTakeFirstOrThrow();
      assert.deepEqual(delay, { last_failure_ms: (now - 400 * DAY) * 1000, previous_failure_ms: 0 }, '0 (none) stays 0');

      await db.insertInto('revoked_tokens').values(revoked('after')).execute();
      const census = await call<Census>('GET', '/census?days=200');
      assert.deepEqual(census.tables.revoked_tokens.rows, 3);
      assert.deepEqual(census.tables.revoked_tokens.old, 2);
      assert.equal(census.tables.clients.old, undefined, 'clients do not expire');
      assert.ok(census.tables.revoked_tokens.bytes > 0 && census.databaseBytes > census.tables.revoked_tokens.bytes);

      const purged = await call<TimedPurge>('POST', '/purge');
      assert.equal(purged.report.complete, true);
      assert.equal(purged.report.deleted.revoked_tokens, 2);
      assert.equal(purged.report.deleted.sign_in_delays, 1);
      assert.ok(purged.ms > 0 && purged.eventLoopDelayMs.max >= purged.eventLoopDelayMs.p50);
      assert.deepEqual(
        (await db.selectFrom('revoked_tokens').select('jti').execute()).map((row) => row.jti),
        ['after'],
      );
      const afterPurge = await call<Census>('GET', '/census?days=200');
      assert.equal(afterPurge.tables.revoked_tokens.rows, 1);
      assert.equal(afterPurge.tables.revoked_tokens.old, 0);
      assert.deepEqual(await call('POST', '/vacuum'), { vacuumed: backend.name === 'postgres' });
      const idle = await call<EventLoopDelay>('POST', '/delay?ms=50');
      assert.ok(idle.max >= idle.p99 && idle.p99 >= idle.p50 && idle.p50 >= 0, JSON.stringify(idle));
    });

    test('an unknown route or a bad number of days is refused', async () => {
      assert.equal((await fetch(`${control.url}/age?days=0`, { method: 'POST' })).status, 500);
      assert.equal((await fetch(`${control.url}/nothing`)).status, 500);
    });
  });
}
