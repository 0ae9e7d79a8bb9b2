import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import type { UserView } from '../src/admin/views.js';
import { ADMIN_SCOPE, type AdminApi, adminApi, adminMachine, assertBearerError, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, tokenFor } from './helpers/tokens.js';

const PASSWORD = 'staple battery horse';

/**
 * Issue 9 item 3: a machine client's admin token (client_credentials, no auth_time) is re-checked on every admin API
 * call, as a user's is: a client that lost gatehouse:admin, by any path, can no longer administer with its old token.
 */
for (const backend of backends()) {
  describe(`admin API re-checks a machine client's right to gatehouse:admin (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;

    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
    });
    after(() => server.close());

    const usernames = async () => (await expectOk<UserView[]>(api('GET', '/admin/users'), 200, 'users')).map((u) => u.username);

    /** `demote` takes the scope away; the old token must then get `status` and create nothing. */
    async function demotedTokenIsRefused(
      client: Credentials & { token: string },
      username: string,
      demote: () => Promise<unknown>,
      status: 401 | 403 = 403,
    ) {
      const asClient = adminApi(server, client.token);
      assert.equal(decodeJwt(client.token).scope, ADMIN_SCOPE);
      assert.equal(decodeJwt(client.token).auth_time, undefined);
      assert.equal((await asClient('GET', '/admin/roles')).status, 200);
      await demote();
      const answer = await asClient('POST', '/admin/users', { username, password: PASSWORD, roles: ['admin'] });
      assertBearerError(answer, status, status === 403 ? 'insufficient_scope' : 'invalid_token');
      if (status === 403) assert.match(answer.headers.get('www-authenticate')!, /scope="gatehouse:admin"/);
      assertBearerError(await asClient('GET', '/admin/users'), status, status === 403 ? 'insufficient_scope' : 'invalid_token');
      assert.ok(!(await usernames()).includes(username), `${username} was created by a demoted client`);
    }

    test('the admin role removed from the client with the admin API: 403 and no admin user created', async () => {
      const demoted = await adminMachine(server, 'Demoted by the API');
      await demotedTokenIsRefused(demoted, 'mallory1', async () => {
        assert.deepEqual(
          (await expectOk<{ roles: string[] }>(api('PATCH', `/admin/clients/${demoted.clientId}`, { roles: [] }), 200, 'client')).roles,
          [],
        );
      });
    });

    test('the admin role removed through management (as the CLI does): 403 and nothing created', async () => {
      const demoted = await adminMachine(server, 'Demoted by the CLI');
      await demotedTokenIsRefused(demoted, 'mallory2', () =>
        server.server.gatehouse.management.clients.updateClient(demoted.clientId, { roles: [] }, systemActor()),
      );
    });

    test("the client's own role loses gatehouse:admin: 403 and nothing created", async () => {
      await server.createRole('ops-bot', [ADMIN_SCOPE]);
      const credentials = await server.createClient({ name: 'Role-scoped bot', roles: ['ops-bot'] });
      const bot = { ...credentials, token: await tokenFor(server, credentials, { scope: ADMIN_SCOPE }) };
      await demotedTokenIsRefused(bot, 'mallory3', () =>
        expectOk(api('PATCH', '/admin/roles/ops-bot', { scopes: ['demo:read'] }), 200, 'role'),
      );
    });

    test('gatehouse:admin given directly and then taken away: 403 and nothing created', async () => {
      const credentials = await server.createClient({ name: 'Directly scoped bot', scopes: [ADMIN_SCOPE] });
      const bot = { ...credentials, token: await tokenFor(server, credentials, { scope: ADMIN_SCOPE }) };
      await demotedTokenIsRefused(bot, 'mallory4', () =>
        expectOk(api('PATCH', `/admin/clients/${bot.clientId}`, { scope: '' }), 200, 'client'),
      );
    });

    test('a revoked admin client: 401 invalid_token and nothing created', async () => {
      const doomed = await adminMachine(server, 'Revoked bot');
      await demotedTokenIsRefused(
        doomed,
        'mallory5',
        () => expectOk(api('POST', `/admin/clients/${doomed.clientId}/revoke`), 200, 'client'),
        401,
      );
    });

    test('a client that keeps the admin role keeps administering', async () => {
      const kept = await adminMachine(server, 'Kept bot');
      await expectOk(api('PATCH', `/admin/clients/${kept.clientId}`, { name: 'Kept bot, renamed' }), 200, 'client');
      const created = await expectOk<UserView>(
        adminApi(server, kept.token)('POST', '/admin/users', { username: 'trusted', password: PASSWORD }),
        201,
        'user',
      );
      assert.equal(created.username, 'trusted');
    });
  });
}
