import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refreshTokenEndsAt } from '../src/oauth/refresh-lifetime.js';
import { nowSeconds } from '../src/ports/clock.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { GrantRepository } from '../src/store/grants.js';
import { MIGRATION_NAMES, migrateToLatest } from '../src/store/migrations.js';
import { SessionRepository } from '../src/store/sessions.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { TestBrowser } from './helpers/browser.js';
import { authorize, createAlice, webApp } from './helpers/code-flow.js';
import { storeBeforeMigration } from './helpers/migrations.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import type { Credentials } from './helpers/tokens.js';

/** Seconds; a use is written at most once per tenth of it (60 s). */
const IDLE_TIMEOUT = 600;

/**
 * Sessions end when unused for GATEHOUSE_SESSION_IDLE_TIMEOUT, beside their absolute lifetime (issue 9, item 14).
 * Time is moved by setting a session's recorded last use back, as a clock moved forward would see it.
 */
for (const backend of backends()) {
  describe(`session idle timeout (${backend.name})`, () => {
    let server: TestServer;
    let userId: string;
    let app: Credentials;
    const db = () => server.server.gatehouse.store.db;
    const sessionRows = () => db().selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    const setLastSeen = (at: number) => db().updateTable('sessions').set({ last_seen_at: at }).where('user_id', '=', userId).execute();
    const signIn = (browser: TestBrowser) => authorize(server, { clientId: app.clientId, scope: 'openid', browser });
    /** The one live session row of this test (every test starts with none). */
    const onlySession = async () => {
      const rows = (await sessionRows()).filter((row) => row.revoked_at === null);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      return rows[0]!;
    };

    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT) });
      userId = await createAlice(server);
      app = await webApp(server);
    });
    after(() => server?.close());

    test('a session unused for longer than the idle timeout is refused: /authorize shows the sign-in page again', async () => {
      await db().deleteFrom('sessions').execute();
      const browser = new TestBrowser(server.url);
      assert.equal((await signIn(browser)).asked.login, true);
      assert.equal((await signIn(browser)).asked.login, false, 'a fresh session is remembered');
      const idle = await onlySession();

      const lastSeen = nowSeconds() - IDLE_TIMEOUT - 10;
      await setLastSeen(lastSeen);
      assert.deepEqual(await server.server.gatehouse.management.users.listSessions(userId), [], 'an idle session is not listed as active');
      const again = await signIn(browser);
      assert.equal(again.asked.login, true, 'an idle session must not sign the user in');

      const rows = await sessionRows();
      assert.equal(rows.length, 2);
      // Resolving the idle session neither revived it nor wrote anything to it; the sign-in started a new one.
      assert.deepEqual(
        rows.find((row) => row.id === idle.id),
        { ...idle, last_seen_at: lastSeen },
      );
      const fresh = rows.find((row) => row.id !== idle.id)!;
      assert.ok(fresh.last_seen_at >= nowSeconds() - 5 && fresh.revoked_at === null, JSON.stringify(fresh));
      assert.deepEqual(
        (await server.server.gatehouse.management.users.listSessions(userId)).map((session) => session.id),
        [fresh.id],
      );
    });

    test('a session in use is kept, and its use is written at most once per tenth of the idle timeout', async () => {
      await db().deleteFrom('sessions').execute();
      const browser = new TestBrowser(server.url);
      assert.equal((await signIn(browser)).asked.login, true);
      const started = await onlySession();
      assert.ok(Math.abs(started.last_seen_at - started.created_at) <= 1, 'a new session was last seen when it started');

      // Used 50 s ago, less than the 60 s interval: using it again writes nothing.
      const recently = nowSeconds() - 50;
      await setLastSeen(recently);
      assert.equal((await signIn(browser)).asked.login, false);
      assert.equal((await onlySession()).last_seen_at, recently, 'a use within the interval must not be written');

      // Used 590 s ago, 10 s before it would go idle: this use is written, and keeps it alive for another 600 s.
      await setLastSeen(nowSeconds() - IDLE_TIMEOUT + 10);
      const usedAt = nowSeconds();
      assert.equal((await signIn(browser)).asked.login, false, 'a session within the idle timeout is kept');
      const touched = (await onlySession()).last_seen_at;
      assert.ok(touched >= usedAt && touched <= nowSeconds(), `last_seen_at ${touched} is not the time of the use`);

      // More uses right after: nothing more is written.
      for (let i = 0; i < 3; i++) assert.equal((await signIn(browser)).asked.login, false);
      assert.deepEqual(await onlySession(), { ...started, last_seen_at: touched });
    });
  });

  describe(`migration 0011_session_idle_and_family_lifetime (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('open sessions count as used at the upgrade, so none ends by it; families start with their grant', async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, '0011_session_idle_and_family_lifetime');
      const now = nowSeconds();
      const session = (id: string, createdAt: number) => ({
        id,
        token_hash: sha256Hex(`cookie of ${id}`),
        user_id: 'alice',
        auth_time: createdAt,
        created_at: createdAt,
        expires_at: createdAt + 86400,
        ip: '',
        user_agent: '',
        revoked_at: null,
      });
      // Signed in three hours ago, longer than the default idle timeout, and an hour ago.
      await old
        .insertInto('sessions')
        .values([session('s-early', now - 3 * 3600), session('s-late', now - 3600)])
        .execute();
      const live = sha256Hex('live refresh token');
      await old
        .insertInto('grants')
        .values({
          id: 'g1',
          user_id: 'alice',
          client_id: 'app',
          scopes: '["openid","offline"]',
          created_at: now - 50 * 86400,
          revoked_at: null,
          session_id: 's-early',
          audience: 'https://api',
          auth_time: now - 50 * 86400,
          requested_at: now - 50 * 86400,
          refresh_token_hash: live,
          refresh_token_issued_at: now - 86400,
          rotated_token_hash: null,
          rotated_at: null,
        })
        .execute();
      await old
        .insertInto('refresh_tokens')
        .values({ token_hash: Buffer.from(live, 'hex'), grant_id: 'g1', expires_at: now + 29 * 86400 })
        .execute();

      assert.deepEqual(await migrateToLatest(old), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0011_session_idle_and_family_lifetime')));

      const rows = await store.db.selectFrom('sessions').select(['id', 'last_seen_at']).orderBy('id').execute();
      assert.equal(rows.length, 2);
      for (const row of rows) assert.ok(row.last_seen_at >= now && row.last_seen_at <= nowSeconds(), JSON.stringify(row));
      const sessions = new SessionRepository(store, DEFAULT_TENANT, 7200);
      assert.equal((await sessions.findActiveByTokenHash(sha256Hex('cookie of s-early')))?.id, 's-early');
      assert.equal((await sessions.findActiveByTokenHash(sha256Hex('cookie of s-late')))?.id, 's-late');
      // A family from before the upgrade ends its lifetime after its grant was created, before its token would expire.
      const token = await new GrantRepository(store, DEFAULT_TENANT).findRefreshToken(live);
      assert.equal(token?.family.startedAt, now - 50 * 86400);
      assert.equal(refreshTokenEndsAt(token!, 60 * 86400), now + 10 * 86400);
    });
  });
}
