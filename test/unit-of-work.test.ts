import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { nowSeconds } from '../src/ports/clock.js';
import type { Store } from '../src/store/database.js';
import { type AdminApi, adminApi, adminMachine, auditEvents } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import type { Answer } from './helpers/tokens.js';

/**
 * Issue 10, item 2: every management step that writes more than once is one transaction (Repositories.transaction),
 * with its audit event. A trigger makes one of its writes fail, as a full disk or a lost connection would; nothing of
 * the step may then stay, nor its event, and the request is answered with a clean error.
 */

const PASSWORD = 'staple battery horse';
const statusOf = (answer: Answer, member: 'user' | 'client') => (answer.body as Record<typeof member, { status: string }>)[member].status;

/** Makes every `event` on `table` fail with "injected" until the returned function is called. */
async function injectFault(store: Store, table: string, event: 'INSERT' | 'UPDATE'): Promise<() => Promise<void>> {
  const name = `inject_${table}_${event.toLowerCase()}`;
  if (store.dialect === 'sqlite') {
    await sql.raw(`CREATE TRIGGER ${name} BEFORE ${event} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected'); END`).execute(store.db);
    return async () => {
      await sql.raw(`DROP TRIGGER ${name}`).execute(store.db);
    };
  }
  await sql
    .raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`)
    .execute(store.db);
  await sql.raw(`CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`).execute(store.db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${name} ON ${table}`).execute(store.db);
    await sql.raw(`DROP FUNCTION ${name}()`).execute(store.db);
  };
}

/** A failure of the store: the generic answer of the error handler, no stack trace, no word of the cause. */
function assertCleanServerError(answer: Answer): void {
  assert.equal(answer.status, 500, answer.text);
  assert.deepEqual(answer.body, { error: 'server_error', error_description: 'the server could not complete the request' });
  assert.doesNotMatch(answer.text, /injected|\bat .*\.js/);
}

for (const backend of backends()) {
  describe(`unit of work (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    let store: Store;

    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
      store = server.server.gatehouse.store;
    });
    after(() => server.close());

    const newUser = async (username: string): Promise<string> => {
      const answer = await api('POST', '/admin/users', { username, password: PASSWORD });
      assert.equal(answer.status, 201, answer.text);
      return (answer.body as { user: { id: string } }).user.id;
    };
    /** A live grant (with its consent and an active session) of `userId` to `clientId`, written as the code flow would. */
    const grantOf = async (userId: string, clientId: string): Promise<{ grantId: string; sessionId: string }> => {
      const now = nowSeconds();
      const grantId = randomUUID();
      const sessionId = randomUUID();
      await store.db
        .insertInto('grants')
        .values({
          tenant_id: 'default',
          id: grantId,
          user_id: userId,
          client_id: clientId,
          scopes: '["openid"]',
          created_at: now,
          revoked_at: null,
          session_id: sessionId,
          audience: '',
          auth_time: now,
          requested_at: now,
        })
        .execute();
      await store.db
        .insertInto('consents')
        .values({ tenant_id: 'default', user_id: userId, client_id: clientId, audience: '', scopes: '["openid"]', granted_at: now })
        .execute();
      await store.db
        .insertInto('sessions')
        .values({
          tenant_id: 'default',
          id: sessionId,
          token_hash: randomUUID(),
          user_id: userId,
          auth_time: now,
          created_at: now,
          expires_at: now + 3600,
          last_seen_at: now,
          revoked_at: null,
          ip: '',
          user_agent: '',
        })
        .execute();
      return { grantId, sessionId };
    };
    const grantRevokedAt = async (grantId: string) =>
      (await store.db.selectFrom('grants').select('revoked_at').where('id', '=', grantId).executeTakeFirstOrThrow()).revoked_at;
    const eventsFor = async (action: string, target: string) =>
      (await auditEvents(api)).filter((e) => e.action === action && e.target === target);

    test("a transaction's repositories read their own writes, unseen by others before the commit; a throw undoes all", async () => {
      const { repositories } = server.server.gatehouse;
      await assert.rejects(
        repositories.transaction(async (tx) => {
          await tx.roles.create({ name: 'uncommitted', scopes: ['a'] });
          await tx.apis.create({ identifier: 'https://uncommitted.example', name: 'Uncommitted', scopes: [] });
          assert.deepEqual((await tx.roles.get('uncommitted'))?.scopes, ['a']);
          assert.equal((await tx.apis.get('https://uncommitted.example'))?.name, 'Uncommitted');
          assert.equal(await repositories.roles.get('uncommitted'), undefined, 'seen outside the transaction before its commit');
          throw new Error('abandoned');
        }),
        /abandoned/,
      );
      assert.equal(await repositories.roles.get('uncommitted'), undefined);
      assert.equal(await repositories.apis.get('https://uncommitted.example'), undefined);

      const committed = await repositories.transaction(async (tx) => {
        await tx.roles.create({ name: 'committed', scopes: ['b'] });
        // Nested: a savepoint of the same transaction, whose failure undoes only its own writes.
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.roles.create({ name: 'inner', scopes: [] });
            throw new Error('inner abandoned');
          }),
          /inner abandoned/,
        );
        return tx.roles.get('inner');
      });
      assert.equal(committed, undefined);
      assert.deepEqual((await repositories.roles.get('committed'))?.scopes, ['b']);
      assert.equal(await repositories.roles.get('inner'), undefined);
    });

    test('consent withdrawal: when revoking the grants fails, the consent stays, the grant lives and no event is recorded', async () => {
      const userId = await newUser('wanda');
      const app = await server.createClient({
        name: 'Withdrawn app',
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example/cb'],
      });
      const { grantId } = await grantOf(userId, app.clientId);
      const remove = await injectFault(store, 'grants', 'UPDATE');
      try {
        assertCleanServerError(await api('DELETE', `/admin/users/${userId}/consents/${app.clientId}`));
      } finally {
        await remove();
      }
      const consents = await store.db.selectFrom('consents').select('client_id').where('user_id', '=', userId).execute();
      assert.deepEqual(consents, [{ client_id: app.clientId }], 'the consent was deleted by a withdrawal that failed');
      assert.equal(await grantRevokedAt(grantId), null);
      assert.deepEqual(await eventsFor('consent.withdrawn', userId), []);

      // Without the fault the same request does all of it, with its event.
      assert.deepEqual((await api('DELETE', `/admin/users/${userId}/consents/${app.clientId}`)).body, {
        withdrawn: true,
        revoked_grants: 1,
      });
      assert.deepEqual(await store.db.selectFrom('consents').select('client_id').where('user_id', '=', userId).execute(), []);
      assert.notEqual(await grantRevokedAt(grantId), null);
      assert.deepEqual(
        (await eventsFor('consent.withdrawn', userId)).map((e) => e.details),
        [{ client_id: app.clientId, revoked_grants: 1 }],
      );
    });

    test('user disabling: when ending the sessions fails, the user stays active with sessions and grants, and no event', async () => {
      const userId = await newUser('dora');
      const app = await server.createClient({
        name: 'Dora app',
        grantTypes: ['authorization_code'],
        redirectUris: ['https://app.example/cb'],
      });
      const { grantId, sessionId } = await grantOf(userId, app.clientId);
      const remove = await injectFault(store, 'sessions', 'UPDATE');
      try {
        assertCleanServerError(await api('POST', `/admin/users/${userId}/disable`));
      } finally {
        await remove();
      }
      const user = await store.db.selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirstOrThrow();
      assert.equal(user.disabled_at, null, 'disabled by a request that failed');
      assert.equal(statusOf(await api('GET', `/admin/users/${userId}`), 'user'), 'active');
      const session = await store.db.selectFrom('sessions').select('revoked_at').where('id', '=', sessionId).executeTakeFirstOrThrow();
      assert.equal(session.revoked_at, null);
      assert.equal(await grantRevokedAt(grantId), null);
      assert.deepEqual(await eventsFor('user.disabled', userId), []);

      assert.equal(statusOf(await api('POST', `/admin/users/${userId}/disable`), 'user'), 'disabled');
      assert.notEqual(await grantRevokedAt(grantId), null);
      assert.equal((await eventsFor('user.disabled', userId)).length, 1);
    });

    test('client revocation: a revocation that fails leaves the client active and no event', async () => {
      const app = await server.createClient({ name: 'Kept app' });
      const remove = await injectFault(store, 'clients', 'UPDATE');
      try {
        assertCleanServerError(await api('POST', `/admin/clients/${app.clientId}/revoke`));
      } finally {
        await remove();
      }
      assert.equal(statusOf(await api('GET', `/admin/clients/${app.clientId}`), 'client'), 'active');
      assert.deepEqual(await eventsFor('client.revoked', app.clientId), []);
    });

    test('an audit event that cannot be written is reported, and the change it describes still commits (AuditLog)', async () => {
      const app = await server.createClient({ name: 'Revoked app' });
      const remove = await injectFault(store, 'audit_events', 'INSERT');
      let answer: Answer;
      try {
        answer = await api('POST', `/admin/clients/${app.clientId}/revoke`);
      } finally {
        await remove();
      }
      assert.equal(answer.status, 200, answer.text);
      assert.equal(statusOf(answer, 'client'), 'revoked');
      const stored = await store.db
        .selectFrom('clients')
        .select('revoked_at')
        .where('client_id', '=', app.clientId)
        .executeTakeFirstOrThrow();
      assert.notEqual(stored.revoked_at, null);
      assert.deepEqual(await eventsFor('client.revoked', app.clientId), []);
    });
  });
}
