import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createGatehouse } from '../src/gatehouse.js';
import type { AuditEvent } from '../src/store/audit.js';
import { ADMIN_SCOPE, adminApi, CONSOLE_CLIENT_ID, consoleApp, consoleRedirect, signIn } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { tokensFor } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PLAYGROUND_CLIENT_ID = 'gatehouse-playground';
const BUILTIN_CLIENTS = [CONSOLE_CLIENT_ID, PLAYGROUND_CLIENT_ID];
const ADMIN = { username: 'ada', password: 'Tq8#vLm2!pZr5wXe' };
/** When the old `gatehouse clients revoke gatehouse-console` ran, as that version stored it. */
const REVOKED_AT = 1_700_000_000;

for (const backend of backends()) {
  describe(`built-in clients revoked by an earlier version are restored at start (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      const { management } = server.server.gatehouse;
      await management.users.createUser({ ...ADMIN, roles: [await management.roles.ensureAdminRole()] });
    });
    after(() => server.close());

    const db = () => server.server.gatehouse.store.db;
    const builtinRows = () =>
      db()
        .selectFrom('clients')
        .select(['client_id', 'revoked_at'])
        .where('client_id', 'in', BUILTIN_CLIENTS)
        .orderBy('client_id')
        .execute();
    const restoredEvents = async (): Promise<AuditEvent[]> =>
      (await db().selectFrom('audit_events').selectAll().where('action', '=', 'client.restored').orderBy('id').execute()).map((row) => ({
        ...row,
        actor_type: row.actor_type as AuditEvent['actor_type'],
        details: JSON.parse(row.details) as Record<string, unknown>,
      }));
    /** What the old bug did: the built-in clients revoked in the store, and the change announced (as revoke does). */
    async function revokeBuiltinsAsTheOldVersionDid(): Promise<void> {
      await db().updateTable('clients').set({ revoked_at: REVOKED_AT }).where('client_id', 'in', BUILTIN_CLIENTS).execute();
      await server.server.gatehouse.store.announceChange();
    }
    /** Ada signs in to the console (authorization code + PKCE) and uses its token on the admin API. */
    async function consoleToken(): Promise<string> {
      const flow = await signIn(server, {
        clientId: CONSOLE_CLIENT_ID,
        redirectUri: consoleRedirect(server),
        scope: `openid ${ADMIN_SCOPE}`,
        ...ADMIN,
      });
      return (await tokensFor(server, consoleApp, flow)).access_token;
    }
    const adminUsers = (token: string) => adminApi(server, token)('GET', '/admin/users');

    test('a normal start restores nothing and records nothing', async () => {
      await server.restart();
      assert.deepEqual(
        await builtinRows(),
        BUILTIN_CLIENTS.map((client_id) => ({ client_id, revoked_at: null })),
      );
      assert.deepEqual(await restoredEvents(), []);
    });

    test('at start each revoked built-in client is active again, with one client.restored event by the system', async () => {
      const before = await consoleToken();
      assert.equal((await adminUsers(before)).status, 200);
      await revokeBuiltinsAsTheOldVersionDid();
      assert.equal((await adminUsers(before)).status, 401, 'the revoked console is refused, as the old bug left it');

      await server.restart();
      assert.deepEqual(
        await builtinRows(),
        BUILTIN_CLIENTS.map((client_id) => ({ client_id, revoked_at: null })),
      );
      const events = await restoredEvents();
      assert.deepEqual(
        events.map(({ id: _id, at: _at, ...event }) => event),
        BUILTIN_CLIENTS.map((target) => ({
          actor: 'system',
          actor_type: 'system',
          action: 'client.restored',
          target,
          ip: '',
          details: { revoked_at: REVOKED_AT },
          tenant_id: 'default',
        })),
        "one event per client, in the order they are ensured, in the default tenant's log",
      );

      // The console signs in again, and its token opens the admin API; the admin API shows the event as recorded.
      const after = await consoleToken();
      const users = await adminUsers(after);
      assert.equal(users.status, 200, users.text);
      const audit = await adminApi(server, after)('GET', '/admin/audit?limit=200');
      const shown = (audit.body as { events: AuditEvent[] }).events.filter((event) => event.action === 'client.restored');
      assert.deepEqual(
        shown.map((event) => [event.actor, event.actor_type, event.target]).sort(),
        BUILTIN_CLIENTS.map((id) => ['system', 'system', id]),
      );
      // A token issued before the revocation stays refused: the restore ends the grants the client had given.
      assert.equal((await adminUsers(before)).status, 401);

      // The next start finds nothing to restore.
      await server.restart();
      assert.equal((await restoredEvents()).length, BUILTIN_CLIENTS.length);
      assert.equal((await adminUsers(after)).status, 200, 'a token issued after the restore keeps working');
    });

    test('two processes starting at once on the store restore each client once', async () => {
      await revokeBuiltinsAsTheOldVersionDid();
      const earlier = (await restoredEvents()).length;
      const processes = await Promise.all([createGatehouse(loadConfig(server.env)), createGatehouse(loadConfig(server.env))]);
      try {
        await Promise.all(processes.map((gatehouse) => gatehouse.management.clients.ensureBuiltinClients()));
      } finally {
        await Promise.all(processes.map((gatehouse) => gatehouse.close()));
      }
      assert.deepEqual(
        await builtinRows(),
        BUILTIN_CLIENTS.map((client_id) => ({ client_id, revoked_at: null })),
      );
      const events = (await restoredEvents()).slice(earlier);
      assert.deepEqual(events.map((event) => event.target).sort(), BUILTIN_CLIENTS);
    });
  });
}
