import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientView, UserView } from '../src/admin/views.js';
import { type AdminApi, adminApi, adminMachine, assertAdminError, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse, gatehouseJson, gatehouseJsonWithStdin, onTerminal, STORE_LINE } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'staple battery horse';
const BUILTIN_CLIENTS = ['gatehouse-console', 'gatehouse-playground'];

/** Issue 9 item 17: the foot-guns that break a Gatehouse for good, by any path. */
for (const backend of backends()) {
  describe(`built-in clients and the last administrator are kept (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    const newAdmin = async (username: string) =>
      (await expectOk<UserView>(api('POST', '/admin/users', { username, password: PASSWORD, roles: ['admin'] }), 201, 'user')).id;
    const statusOf = async (id: string) => (await expectOk<UserView>(api('GET', `/admin/users/${id}`), 200, 'user')).status;

    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
    });
    after(() => server.close());

    test('the admin API refuses to revoke a built-in client: 409 conflict, and the client stays active', async () => {
      for (const clientId of BUILTIN_CLIENTS) {
        assertAdminError(await api('POST', `/admin/clients/${clientId}/revoke`), 409, 'conflict', /built-in client .* cannot be revoked/);
        assert.equal((await expectOk<ClientView>(api('GET', `/admin/clients/${clientId}`), 200, 'client')).status, 'active');
      }
    });

    test('the admin API refuses to disable the last active administrator, and allows it once there is another', async () => {
      const first = await newAdmin('first-admin');
      assertAdminError(await api('POST', `/admin/users/${first}/disable`), 409, 'conflict', /last active administrator/);
      assert.equal(await statusOf(first), 'active');
      const second = await newAdmin('second-admin');
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${first}/disable`), 200, 'user')).status, 'disabled');
      assertAdminError(await api('POST', `/admin/users/${second}/disable`), 409, 'conflict', /last active administrator/);
      assert.equal(await statusOf(second), 'active');
      // A disabled administrator does not count: enabling them makes the second one disableable again.
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${first}/enable`), 200, 'user')).status, 'active');
    });

    test('two administrators disabled at once: exactly one is, one stays active', async () => {
      const admins = [await newAdmin('race-a'), await newAdmin('race-b')];
      // Leave these two as the only active administrators.
      for (const user of await expectOk<UserView[]>(api('GET', '/admin/users'), 200, 'users')) {
        if (user.status === 'active' && !admins.includes(user.id))
          await expectOk(api('POST', `/admin/users/${user.id}/disable`), 200, 'user');
      }
      const answers = await Promise.all(admins.map((id) => api('POST', `/admin/users/${id}/disable`)));
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 409], answers.map((answer) => answer.text).join('\n'));
      assert.deepEqual((await Promise.all(admins.map(statusOf))).sort(), ['active', 'disabled']);
    });

    test('the CLI refuses to revoke a built-in client, even with --yes: exit 1 with the reason, nothing changed', async () => {
      for (const clientId of BUILTIN_CLIENTS) {
        const result = await gatehouse(server.env, 'clients', 'revoke', clientId, '--yes', '--json');
        assert.equal(result.code, 1);
        assert.equal(result.stdout, '');
        const refusal = /^gatehouse: "gatehouse-\w+" is a built-in client of this server and cannot be revoked\n$/;
        assert.match(result.stderr.replace(STORE_LINE, ''), refusal, 'the store line, then the reason');
        assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', clientId)).status, 'active');
      }
    });

    test('destructive CLI commands run without a terminal and without --yes: exit 1 "add --yes", nothing changed', async () => {
      const machine = await server.createClient({ name: 'Batch job' });
      const keysBefore = await gatehouseJson<{ kid: string; status: string }[]>(server.env, 'keys', 'list');
      const args = ['users', 'create', '--username', 'erin', '--password-stdin'];
      const user = await gatehouseJsonWithStdin<UserView>(server.env, PASSWORD, ...args);
      for (const args of [
        ['clients', 'revoke', machine.clientId],
        ['clients', 'rotate-secret', machine.clientId],
        ['users', 'disable', 'erin'],
        ['keys', 'rotate'],
      ]) {
        const result = await gatehouse(server.env, ...args, '--json');
        assert.equal(result.code, 1, args.join(' '));
        assert.equal(result.stdout, '', 'no JSON document for a command that did nothing');
        assert.ok(result.stderr.includes(`Add --yes to "gatehouse ${args[0]} ${args[1]}"`), result.stderr);
      }
      const client = await gatehouseJson<ClientView>(server.env, 'clients', 'get', machine.clientId);
      assert.deepEqual([client.status, client.previous_secret_expires_at], ['active', null]);
      assert.equal((await gatehouseJson<UserView>(server.env, 'users', 'get', user.id)).status, 'active');
      assert.deepEqual(await gatehouseJson(server.env, 'keys', 'list'), keysBefore);
    });

    test('on a terminal, clients revoke asks first: "n" changes nothing, "y" revokes', async () => {
      const machine = await server.createClient({ name: 'Nightly export' });
      const declined = await onTerminal(server.env, [['[y/N] ', 'n']], 'clients', 'revoke', machine.clientId);
      assert.equal(declined.code, 1, declined.shown);
      assert.ok(declined.shown.includes(`Revoke app client ${machine.clientId} ("Nightly export") for good?`), declined.shown);
      assert.ok(declined.shown.includes('[y/N]') && declined.shown.includes('gatehouse: Nothing changed.'), declined.shown);
      assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', machine.clientId)).status, 'active');
      const confirmed = await onTerminal(server.env, [['[y/N] ', 'y']], 'clients', 'revoke', machine.clientId);
      assert.equal(confirmed.code, 0, confirmed.shown);
      assert.ok(confirmed.shown.includes(`Revoked app client ${machine.clientId}`), confirmed.shown);
      assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', machine.clientId)).status, 'revoked');
    });

    test('users disable --yes and users enable: one JSON document each, the last administrator refused', async () => {
      const disabled = await gatehouseJson<UserView>(server.env, 'users', 'disable', 'erin', '--yes');
      assert.deepEqual([disabled.username, disabled.status], ['erin', 'disabled']);
      const enabled = await gatehouseJson<UserView>(server.env, 'users', 'enable', 'erin');
      assert.deepEqual([enabled.id, enabled.status], [disabled.id, 'active']);
      const text = await gatehouse(server.env, 'users', 'enable', 'erin');
      assert.deepEqual([text.code, text.stdout], [0, 'Enabled user "erin"\n']);
      const users = await gatehouseJson<UserView[]>(server.env, 'users', 'list');
      const [lastAdmin] = users.filter((user) => user.roles.includes('admin') && user.status === 'active');
      const refused = await gatehouse(server.env, 'users', 'disable', lastAdmin!.username, '--yes');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /is the last active administrator; create another \(gatehouse users create --admin\)/);
      assert.equal((await gatehouseJson<UserView>(server.env, 'users', 'get', lastAdmin!.id)).status, 'active');
    });
  });
}
