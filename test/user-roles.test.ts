import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminApi, adminApi, adminMachine, assertAdminError, auditEvents } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse as cli, gatehouseJson } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'staple battery horse';

for (const backend of backends()) {
  describe(`a user's roles are given and taken by the admin API and the CLI; the last administrator keeps hers (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    const ids = {} as Record<'ada' | 'bob' | 'cy', string>;

    before(async () => {
      server = await startTestServer(backend);
      const { management } = server.server.gatehouse;
      const admin = await management.roles.ensureAdminRole();
      await management.roles.createRole({ name: 'reader', scopes: ['demo:read'] }, { actor: 'test', actor_type: 'system', ip: '' });
      ids.ada = (await management.users.createUser({ username: 'ada', password: PASSWORD, roles: [admin] })).id;
      ids.bob = (await management.users.createUser({ username: 'bob', password: PASSWORD })).id;
      ids.cy = (await management.users.createUser({ username: 'cy', password: PASSWORD })).id;
      api = adminApi(server, (await adminMachine(server, 'operator')).token);
    });
    after(() => server.close());

    const rolesOf = async (id: string) => (await server.server.gatehouse.management.users.getUser(id)).roles;

    test('PATCH gives exactly the roles named, checked and audited', async () => {
      const given = await api('PATCH', `/admin/users/${ids.bob}`, { roles: ['reader', 'admin', 'reader'] });
      assert.equal(given.status, 200, given.text);
      assert.deepEqual((given.body as { user: { roles: string[] } }).user.roles, ['reader', 'admin']);
      assert.deepEqual(await rolesOf(ids.bob), ['reader', 'admin']);
      const event = (await auditEvents(api)).find((e) => e.action === 'user.roles_changed' && e.target === ids.bob);
      assert.deepEqual(event?.details, { username: 'bob', roles: ['reader', 'admin'], previous: [] });
      assertAdminError(await api('PATCH', `/admin/users/${ids.bob}`, { roles: ['nope'] }), 400, 'invalid_request', /unknown role: nope/);
      assertAdminError(await api('PATCH', `/admin/users/${ids.bob}`, {}), 400, 'invalid_request');
      assertAdminError(await api('PATCH', '/admin/users/nobody', { roles: [] }), 404, 'not_found');
      assert.deepEqual(await rolesOf(ids.bob), ['reader', 'admin'], 'the refused changes changed nothing');
    });

    test('the last active administrator keeps the admin role; with another, it can go', async () => {
      // bob is an administrator too (above): ada can be demoted, then bob is the last.
      assert.equal((await api('PATCH', `/admin/users/${ids.ada}`, { roles: [] })).status, 200);
      assertAdminError(await api('PATCH', `/admin/users/${ids.bob}`, { roles: ['reader'] }), 409, 'conflict', /last active administrator/);
      assert.deepEqual(await rolesOf(ids.bob), ['reader', 'admin']);
      // A disabled administrator is none: cy made admin, then disabled, leaves bob the last one still.
      assert.equal((await api('PATCH', `/admin/users/${ids.cy}`, { roles: ['admin'] })).status, 200);
      assert.equal((await api('POST', `/admin/users/${ids.cy}/disable`)).status, 200);
      assertAdminError(await api('PATCH', `/admin/users/${ids.bob}`, { roles: [] }), 409, 'conflict');
      assert.equal((await api('POST', `/admin/users/${ids.cy}/enable`)).status, 200);
    });

    test('two administrators taking the role from each other at once: one of them keeps it', async () => {
      // bob and cy are the active administrators now.
      const answers = await Promise.all([
        api('PATCH', `/admin/users/${ids.bob}`, { roles: [] }),
        api('PATCH', `/admin/users/${ids.cy}`, { roles: [] }),
      ]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      const holders = [(await rolesOf(ids.bob)).includes('admin'), (await rolesOf(ids.cy)).includes('admin')];
      assert.deepEqual(holders.filter(Boolean).length, 1, 'exactly one administrator is left');
    });

    test('gatehouse users update --roles', async () => {
      const updated = await gatehouseJson(server.env, 'users', 'update', 'ada', '--roles', 'reader,admin');
      assert.deepEqual(updated.roles, ['reader', 'admin']);
      assert.deepEqual((await gatehouseJson(server.env, 'users', 'update', 'ada', '--roles', 'reader')).roles, ['reader']);
      const unknown = await cli(server.env, 'users', 'update', 'ada', '--roles', 'ghost');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /unknown role: ghost/);
      assert.deepEqual(await rolesOf(ids.ada), ['reader']);
    });
  });
}
