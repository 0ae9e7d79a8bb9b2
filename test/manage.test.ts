import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../src/admin/audit-log.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { type AdminApi, adminApi, adminMachine, assertAdminError, auditEvents, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse as cli, gatehouseJson, gatehouseJsonWithStdin, gatehouseWithStdin } from './helpers/cli.js';
import {
  assertOAuthError,
  assertTokensUsable,
  authorize,
  createAlice,
  FULL_SCOPE,
  refresh,
  type Tokens,
  tokensFor,
  userinfo,
  webApp,
} from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tenantRows } from './helpers/tenant-rows.js';
import { createTenants } from './helpers/tenants.js';
import { type Credentials, introspect } from './helpers/tokens.js';

const PASSWORD = 'staple battery horse';
const ORDERS = 'https://orders.example.test';

for (const backend of backends()) {
  describe(`deleting clients, roles, APIs and users; guards; profiles and passwords (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    let introspector: Credentials;
    let ada: string;

    before(async () => {
      server = await startTestServer(backend);
      const { management } = server.server.gatehouse;
      ada = (await management.users.createUser({ username: 'ada', password: PASSWORD, roles: [await management.roles.ensureAdminRole()] }))
        .id;
      api = adminApi(server, (await adminMachine(server, 'operator')).token);
      introspector = await server.createClient({ name: 'resource server', introspection: true });
      // Another tenant with the same names: nothing of it may change.
      const [beta] = await createTenants(server, 'beta');
      await beta!.management.roles.createRole({ name: 'query', scopes: ['corpora:query'] }, systemActor());
      await beta!.management.apis.createApi({ identifier: ORDERS, name: 'Beta orders', scopes: ['orders:read'] }, systemActor());
      await beta!.management.users.createUser({ username: 'alice', password: PASSWORD, roles: ['query'] });
    });
    after(() => server.close());

    const betaRows = () => tenantRows(server.server.gatehouse.store, 'beta');
    // Less the sign-in counters, which the background purge may clear at any moment (a quiet counter goes).
    const ownRows = async () => {
      const {
        sign_in_delays: _delays,
        login_throttle: _throttle,
        ...rows
      } = await tenantRows(server.server.gatehouse.store, DEFAULT_TENANT);
      return rows;
    };
    /** alice's tokens for `app` from the code flow (sign-in and consent), for the API `resource` names. */
    const aliceTokens = async (app: Credentials, resource?: string, password?: string): Promise<Tokens> => {
      const scope = resource ? 'orders:read' : FULL_SCOPE;
      const flow = await authorize(server, {
        clientId: app.clientId,
        scope,
        ...(resource ? { params: { resource } } : {}),
        ...(password ? { password } : {}),
      });
      return tokensFor(server, app, flow);
    };

    test('an API with scope descriptions: created, changed, refused with the field named; the descriptions are shown', async () => {
      const created = await expectOk<{ scope_descriptions: object }>(
        api('POST', '/admin/apis', {
          identifier: ORDERS,
          name: 'Orders',
          scopes: ['orders:read', 'orders:write'],
          scope_descriptions: { 'orders:read': 'Read your orders', 'orders:write': '  ' },
        }),
        201,
        'api',
      );
      assert.deepEqual(created.scope_descriptions, { 'orders:read': 'Read your orders' }, 'a blank description is none');
      const path = `/admin/apis/${encodeURIComponent(ORDERS)}`;
      assertAdminError(
        await api('PATCH', path, { scope_descriptions: { 'orders:delete': 'Delete your orders' } }),
        400,
        'invalid_request',
        /scope_descriptions: "orders:delete" is not one of the API's scopes/,
      );
      assertAdminError(await api('PATCH', path, {}), 400, 'invalid_request');
      assertAdminError(await api('PATCH', `/admin/apis/${encodeURIComponent('https://nowhere.test')}`, { name: 'x' }), 404, 'not_found');
      // Fewer scopes: the description of the one that went goes with it.
      const changed = await expectOk<{ name: string; scopes: string[]; scope_descriptions: object }>(
        api('PATCH', path, { scopes: ['orders:write'] }),
        200,
        'api',
      );
      assert.deepEqual([changed.name, changed.scopes, changed.scope_descriptions], ['Orders', ['orders:write'], {}]);
      const restored = await expectOk<{ scope_descriptions: object }>(
        api('PATCH', path, { scopes: ['orders:read', 'orders:write'], scope_descriptions: { 'orders:read': 'Read your orders' } }),
        200,
        'api',
      );
      assert.deepEqual(restored.scope_descriptions, { 'orders:read': 'Read your orders' });
      const event = (await auditEvents(api)).find((e) => e.action === 'api.updated' && e.target === ORDERS);
      assert.deepEqual(event?.details, {
        scopes: ['orders:read', 'orders:write'],
        scope_descriptions: { 'orders:read': 'Read your orders' },
      });
      // The consent page (over HTTP) says what orders:read lets the app do.
      assert.deepEqual(await server.server.gatehouse.management.apis.scopeDescriptionsFor(ORDERS), { 'orders:read': 'Read your orders' });
      const beta = (await server.server.gatehouse.tenants.open('beta'))!;
      assert.deepEqual(await beta.management.apis.scopeDescriptionsFor(ORDERS), {}, "beta's API of that identifier is its own");
    });

    test('deleting an app client: dependents first, then its consents and grants go and its tokens are refused; nothing of beta changes', async () => {
      await createAlice(server);
      const app = await webApp(server, 'Doomed app');
      const tokens = await aliceTokens(app);
      const before = await betaRows();
      const path = `/admin/clients/${app.clientId}`;
      const impact = await api('GET', `${path}/dependents`);
      assert.equal(impact.status, 200, impact.text);
      assert.deepEqual(impact.body, { summary: '1 consent and 1 live grant go with it', counts: { consents: 1, grants: 1 } });
      const deleted = await api('DELETE', path);
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(deleted.body, { deleted: app.clientId, ...(impact.body as object) });
      assertAdminError(await api('GET', path), 404, 'not_found');
      assertAdminError(await api('DELETE', path), 404, 'not_found');
      assert.deepEqual(await server.server.gatehouse.management.users.listConsents('alice'), []);
      // Its access token is refused; its refresh token's client no longer exists to authenticate.
      assert.deepEqual((await introspect(server, introspector, tokens.access_token)).body, { active: false });
      assert.equal((await userinfo(server, tokens.access_token)).status, 401);
      assertOAuthError(await refresh(server, app, tokens.refresh_token!), 401, 'invalid_client');
      const event = (await auditEvents(api)).find((e) => e.action === 'client.deleted' && e.target === app.clientId);
      assert.deepEqual(event?.details, { name: 'Doomed app', consents: 1, revoked_grants: 1 });
      assert.deepEqual(await betaRows(), before);
    });

    test('built-in clients cannot be revoked or deleted; the refusal changes nothing, here or by the CLI', async () => {
      const before = await ownRows();
      for (const id of ['gatehouse-console', 'gatehouse-playground']) {
        assertAdminError(
          await api('DELETE', `/admin/clients/${id}`),
          409,
          'conflict',
          new RegExp(`"${id}" is a built-in client of this server and cannot be deleted`),
        );
        assertAdminError(await api('GET', `/admin/clients/${id}/dependents`), 409, 'conflict', /cannot be deleted/);
        assertAdminError(await api('POST', `/admin/clients/${id}/revoke`), 409, 'conflict', /cannot be revoked/);
        assertAdminError(await api('POST', `/admin/clients/${id}/rotate-secret`), 409, 'conflict', /no secret to rotate/);
        const client = await expectOk<{ builtin: boolean; status: string }>(api('GET', `/admin/clients/${id}`), 200, 'client');
        assert.deepEqual([client.builtin, client.status], [true, 'active']);
      }
      const refused = await cli(server.env, 'clients', 'delete', 'gatehouse-console', '--yes');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /"gatehouse-console" is a built-in client of this server and cannot be deleted/);
      assert.deepEqual(await ownRows(), before);
    });

    test('deleting a role takes it from the clients and users holding it; a new role of that name gives them nothing', async () => {
      const { management } = server.server.gatehouse;
      await management.roles.createRole({ name: 'query', scopes: ['corpora:query'] }, systemActor());
      const holders = await Promise.all(
        ['Indexer', 'Search UI'].map((name) => management.clients.createClient({ name, roles: ['query'] }, systemActor())),
      );
      const bob = await management.users.createUser({ username: 'bob', password: PASSWORD, roles: ['query'] });
      const before = await betaRows();
      const impact = await api('GET', '/admin/roles/query/dependents');
      assert.deepEqual(impact.body, { summary: '2 app clients and 1 user lose corpora:query', counts: { clients: 2, users: 1 } });
      assertAdminError(await api('DELETE', '/admin/roles/admin'), 409, 'conflict', /built-in role .* cannot be deleted/);
      assertAdminError(await api('DELETE', '/admin/roles/nope'), 404, 'not_found');
      assert.deepEqual((await api('DELETE', '/admin/roles/query')).body, { deleted: 'query', ...(impact.body as object) });
      for (const { client } of holders) assert.deepEqual((await management.clients.getClient(client.client_id)).roles, []);
      assert.deepEqual((await management.users.getUser(bob.id)).roles, []);
      await management.roles.createRole({ name: 'query', scopes: ['corpora:query'] }, systemActor());
      assert.deepEqual((await management.users.getUser(bob.id)).roles, [], 'the new role is not the old one');
      const event = (await auditEvents(api)).find((e) => e.action === 'role.deleted' && e.target === 'query');
      assert.deepEqual(event?.details, {
        scopes: ['corpora:query'],
        clients: holders.map(({ client }) => client.client_id).sort(),
        users: [bob.id],
      });
      assert.deepEqual(await betaRows(), before, "beta's role query and its holder are untouched");
    });

    test("deleting an API takes the consents given for it and its grants; clients' scopes stay", async () => {
      const app = await webApp(server, 'Order tracker', { scopes: ['orders:read'] });
      const tokens = await aliceTokens(app, ORDERS);
      const before = await betaRows();
      const path = `/admin/apis/${encodeURIComponent(ORDERS)}`;
      const impact = await api('GET', `${path}/dependents`);
      assert.deepEqual(impact.body, { summary: '1 consent and 1 live grant for this API go with it', counts: { consents: 1, grants: 1 } });
      assert.deepEqual((await api('DELETE', path)).body, { deleted: ORDERS, ...(impact.body as object) });
      const apis = (await api('GET', '/admin/apis')).body as { apis: { identifier: string }[] };
      assert.deepEqual(
        apis.apis.map((entry) => entry.identifier),
        [],
      );
      await assertTokensUsable(server, app, introspector, tokens, false);
      assert.deepEqual(await server.server.gatehouse.management.users.listConsents('alice'), []);
      assert.equal((await server.server.gatehouse.management.clients.getClient(app.clientId)).scope, 'orders:read');
      assert.deepEqual(await betaRows(), before, "beta's API of the same identifier stays");
    });

    test("a user's profile claims: changed, checked, audited; a new email is unverified", async () => {
      const path = '/admin/users/alice';
      const changed = await expectOk<{ name: string; email: string; email_verified: boolean }>(
        api('PATCH', path, { name: ' Alice Liddell ', email: 'alice@wonderland.test' }),
        200,
        'user',
      );
      assert.deepEqual([changed.name, changed.email, changed.email_verified], ['Alice Liddell', 'alice@wonderland.test', false]);
      const verified = await expectOk<{ email_verified: boolean }>(api('PATCH', path, { email_verified: true }), 200, 'user');
      assert.equal(verified.email_verified, true);
      assertAdminError(await api('PATCH', path, { email: 'not an address' }), 400, 'invalid_request', /email address is not valid/);
      assertAdminError(await api('PATCH', path, { email: '', email_verified: true }), 400, 'invalid_request', /email_verified/);
      // Roles and profile together are one change: an unknown role refuses the name too.
      assertAdminError(await api('PATCH', path, { name: 'Changed', roles: ['ghost'] }), 400, 'invalid_request', /unknown role: ghost/);
      const user = await server.server.gatehouse.management.users.getUser('alice');
      assert.deepEqual([user.name, user.email, user.email_verified], ['Alice Liddell', 'alice@wonderland.test', true]);
      const event = (await auditEvents(api)).find((e) => e.action === 'user.profile_changed' && e.target === user.id);
      assert.deepEqual(event?.details, { username: 'alice', changed: ['email_verified'] });
      // Both at once, each with its event.
      const both = await expectOk<{ name: string; roles: string[] }>(api('PATCH', path, { name: 'Alice', roles: ['query'] }), 200, 'user');
      assert.deepEqual([both.name, both.roles], ['Alice', ['query']]);
      const actions = (await auditEvents(api)).filter((e) => e.target === user.id).map((e) => e.action);
      assert.deepEqual(actions.slice(0, 2).sort(), ['user.profile_changed', 'user.roles_changed']);
      assert.equal((await api('PATCH', path, { roles: [] })).status, 200);
    });

    test("an administrator's password reset: judged by the policy, ends the user's sessions, audited", async () => {
      const { management, repositories } = server.server.gatehouse;
      const alice = await management.users.getUser('alice');
      await authorize(server, { clientId: (await webApp(server, 'Session maker')).clientId, scope: 'openid' });
      assert.ok((await management.users.listSessions('alice')).length > 0);
      const hash = (await repositories.users.get(alice.id))!.passwordHash;
      assertAdminError(await api('POST', '/admin/users/alice/password', { password: 'alice' }), 400, 'invalid_request');
      assertAdminError(await api('POST', '/admin/users/alice/password', {}), 400, 'invalid_request');
      assert.equal((await repositories.users.get(alice.id))!.passwordHash, hash, 'a refused password changes nothing');
      assert.ok((await management.users.listSessions('alice')).length > 0);
      const reset = await api('POST', '/admin/users/alice/password', { password: 'quartz lantern meadow' });
      assert.equal(reset.status, 200, reset.text);
      assert.notEqual((await repositories.users.get(alice.id))!.passwordHash, hash);
      assert.deepEqual(await management.users.listSessions('alice'), []);
      assert.ok(!reset.text.includes('quartz'), 'the password is never echoed');
      const event = (await auditEvents(api)).find((e) => e.action === 'user.password_reset' && e.target === alice.id);
      assert.deepEqual(event?.details, { username: 'alice' });
      // The new password signs in.
      await authorize(server, { clientId: (await webApp(server, 'Checker')).clientId, scope: 'openid', password: 'quartz lantern meadow' });
    });

    test('the last active administrator cannot be disabled or deleted; a failed deletion changes nothing; another user is deleted with what they had', async () => {
      const before = await ownRows();
      assertAdminError(await api('DELETE', `/admin/users/${ada}`), 409, 'conflict', /"ada" is the last active administrator/);
      assertAdminError(await api('GET', `/admin/users/${ada}/dependents`), 409, 'conflict', /last active administrator/);
      assertAdminError(await api('POST', `/admin/users/${ada}/disable`), 409, 'conflict', /last active administrator/);
      const refused = await cli(server.env, 'users', 'delete', 'ada', '--yes');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /"ada" is the last active administrator/);
      assert.deepEqual(await ownRows(), before, 'the refusals changed nothing');

      const app = await webApp(server, 'Alice app');
      const tokens = await aliceTokens(app, undefined, 'quartz lantern meadow');
      const alice = await server.server.gatehouse.management.users.getUser('alice');
      const betaBefore = await betaRows();
      const impact = await api('GET', '/admin/users/alice/dependents');
      const { users } = server.server.gatehouse.management;
      const expected = {
        sessions: (await users.listSessions('alice')).length,
        consents: (await users.listConsents('alice')).length,
        grants: 1,
      };
      assert.deepEqual((impact.body as { counts: object }).counts, expected);
      assert.ok(expected.sessions > 0 && expected.consents > 0);
      const deleted = await api('DELETE', '/admin/users/alice');
      assert.equal(deleted.status, 200, deleted.text);
      assertAdminError(await api('GET', `/admin/users/${alice.id}`), 404, 'not_found');
      await assertTokensUsable(server, app, introspector, tokens, false);
      const rows = await ownRows();
      assert.deepEqual(
        rows.consents!.filter((row) => row.includes(alice.id)),
        [],
      );
      assert.ok(
        rows.sessions!.filter((row) => row.includes(alice.id)).every((row) => JSON.parse(row).revoked_at !== null),
        'her sessions ended',
      );
      assert.deepEqual(await betaRows(), betaBefore, "beta's alice is another user");
    });

    test('the CLI: update a profile, set a password from stdin, delete with --yes (and not without), as JSON', async () => {
      const { management } = server.server.gatehouse;
      await management.users.createUser({ username: 'dora', password: PASSWORD });
      const updated = await gatehouseJson(server.env, 'users', 'update', 'dora', '--name', 'Dora', '--email', 'dora@example.test');
      assert.deepEqual([updated.name, updated.email, updated.email_verified], ['Dora', 'dora@example.test', false]);
      const weak = await gatehouseWithStdin(server.env, 'dora-dora-dora\n', 'users', 'set-password', 'dora', '--password-stdin');
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /username/);
      const set = await gatehouseJsonWithStdin(server.env, 'quartz lantern meadow\n', 'users', 'set-password', 'dora', '--password-stdin');
      assert.equal(set.username, 'dora');

      await management.roles.createRole({ name: 'cli-role', scopes: ['x:read'] }, systemActor());
      const unconfirmed = await cli(server.env, 'roles', 'delete', 'cli-role');
      assert.equal(unconfirmed.code, 1);
      assert.match(unconfirmed.stderr, /Delete role "cli-role"\? This cannot be undone\. Add --yes/);
      assert.ok(await management.roles.listRoles().then((roles) => roles.items.some((role) => role.name === 'cli-role')));
      assert.deepEqual(await gatehouseJson(server.env, 'roles', 'delete', 'cli-role', '--yes'), {
        deleted: 'cli-role',
        summary: '',
        counts: { clients: 0, users: 0 },
      });
      await gatehouseJson(
        server.env,
        'apis',
        'create',
        '--identifier',
        'https://cli.example.test',
        '--scopes',
        'a:read',
        '--describe',
        'a:read=Read A',
      );
      const api2 = await gatehouseJson(server.env, 'apis', 'update', 'https://cli.example.test', '--describe', 'a:read=Read all of A');
      assert.deepEqual(api2.scope_descriptions, { 'a:read': 'Read all of A' });
      assert.equal(
        (await gatehouseJson(server.env, 'apis', 'delete', 'https://cli.example.test', '--yes')).deleted,
        'https://cli.example.test',
      );
      const { client } = await management.clients.createClient({ name: 'CLI doomed' }, systemActor());
      assert.equal((await gatehouseJson(server.env, 'clients', 'delete', client.client_id, '--yes')).deleted, client.client_id);
      const dora = await management.users.getUser('dora');
      assert.equal((await gatehouseJson(server.env, 'users', 'delete', 'dora', '--yes')).deleted, dora.id);
      await assert.rejects(management.users.getUser('dora'), /no user/);
    });
  });
}
