import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import { ADMIN_SCOPE, type AdminApi, adminApi, adminMachine, assertAdminError, auditEvents } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse as cli, eventually, gatehouseJson } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { postForm } from './helpers/tokens.js';

const CORPORA = 'https://corpora.platform.test';

for (const backend of backends()) {
  describe(`platform definitions: APIs and role templates every tenant uses, and the scopes a tenant may use (${backend.name})`, () => {
    let server: TestServer;
    /** The platform operator's admin API (a gatehouse:admin token of the default tenant). */
    let platform: AdminApi;
    /** Each tenant's own admin API, as its machine admin client. */
    const admins = {} as Record<'acme' | 'beta', AdminApi>;

    before(async () => {
      server = await startTestServer(backend);
      platform = adminApi(server, (await adminMachine(server, 'platform operator')).token);
      const { gatehouse } = server.server;
      // acme may use corpora:query only; beta is not limited.
      await gatehouse.platform.tenants.create({ id: 'acme', name: 'Acme', allowedScopes: ['corpora:query'] }, systemActor());
      await gatehouse.platform.tenants.create({ id: 'beta', name: 'Beta' }, systemActor());
      for (const id of ['acme', 'beta'] as const) {
        const tenant = (await gatehouse.tenants.open(id))!;
        const role = await tenant.management.roles.ensureAdminRole();
        const { client, clientSecret } = await tenant.management.clients.createClient({ name: `${id} ops`, roles: [role] }, systemActor());
        const issued = await postForm(
          server,
          `/t/${id}/oauth2/token`,
          { grant_type: 'client_credentials', scope: ADMIN_SCOPE },
          { clientId: client.client_id, clientSecret: clientSecret! },
        );
        admins[id] = adminApi(server, (issued.body as { access_token: string }).access_token);
      }
    });
    after(() => server.close());

    test('the operator registers an API and a role template once, audited in the default tenant; no tenant reaches those routes', async () => {
      const api = await platform('POST', '/admin/platform/apis', {
        identifier: CORPORA,
        name: 'Corpora',
        scopes: ['corpora:query', 'corpora:admin'],
      });
      assert.equal(api.status, 201, api.text);
      assert.deepEqual((api.body as { api: object }).api, {
        identifier: CORPORA,
        name: 'Corpora',
        scopes: ['corpora:query', 'corpora:admin'],
        scope_descriptions: {},
        platform: true,
        created_at: (api.body as { api: { created_at: number } }).api.created_at,
        openapi: null,
      });
      const role = await platform('POST', '/admin/platform/roles', {
        name: 'query',
        scopes: ['corpora:query'],
        description: 'Query corpora',
      });
      assert.equal(role.status, 201, role.text);
      assert.equal((role.body as { role: { platform: boolean } }).role.platform, true);
      const listed = await platform('GET', '/admin/platform/roles');
      assert.deepEqual(
        (listed.body as { roles: { name: string }[] }).roles.map((r) => r.name),
        ['query'],
        "only the platform's templates, not the default tenant's own roles",
      );
      const platformApis = await platform('GET', '/admin/platform/apis');
      assert.deepEqual(
        platformApis.body,
        { apis: [(api.body as { api: object }).api], next: null },
        'the platform has no default audience',
      );
      const events = await auditEvents(platform);
      assert.ok(events.some((e) => e.action === 'platform.api.created' && e.target === CORPORA));
      assert.ok(events.some((e) => e.action === 'platform.role.created' && e.target === 'query'));
      // The default tenant's own roles do not include the template's row twice, and it reads the template too.
      const rootRoles = (await platform('GET', '/admin/roles')).body as { roles: { name: string; platform: boolean }[] };
      assert.deepEqual(
        rootRoles.roles.filter((r) => r.name === 'query'),
        [{ ...(role.body as { role: object }).role }],
      );
      // A tenant's admin reaches no platform route: not at its own base, not at the root.
      assert.equal((await admins.acme('POST', '/t/acme/admin/platform/roles', { name: 'x', scopes: ['corpora:admin'] })).status, 404);
      assert.equal((await admins.acme('GET', '/admin/platform/roles')).status, 401, "acme's token is not the default tenant's");
    });

    test('every tenant has the templates; none changes, shadows or re-registers them', async () => {
      for (const id of ['acme', 'beta'] as const) {
        const roles = (await admins[id]('GET', `/t/${id}/admin/roles`)).body as { roles: { name: string; platform: boolean }[] };
        assert.deepEqual(
          roles.roles.map((r) => [r.name, r.platform]),
          [
            ['admin', false],
            ['query', true],
          ],
        );
        const apis = (await admins[id]('GET', `/t/${id}/admin/apis`)).body as {
          default: string;
          apis: { identifier: string; platform: boolean }[];
        };
        assert.equal(apis.default, `${server.issuer}/t/${id}/api`);
        assert.deepEqual(
          apis.apis.map((a) => [a.identifier, a.platform]),
          [[CORPORA, true]],
        );
      }
      assertAdminError(await admins.acme('PATCH', '/t/acme/admin/roles/query', { scopes: ['corpora:admin'] }), 404, 'not_found');
      assertAdminError(await admins.beta('PATCH', '/t/beta/admin/roles/query', { scopes: ['corpora:admin'] }), 404, 'not_found');
      // Nor deletes them, nor changes the platform's API: to a tenant they are no role and no API of its own.
      assertAdminError(await admins.acme('DELETE', '/t/acme/admin/roles/query'), 404, 'not_found');
      assertAdminError(await admins.acme('GET', '/t/acme/admin/roles/query/dependents'), 404, 'not_found');
      const corpora = `/t/acme/admin/apis/${encodeURIComponent(CORPORA)}`;
      assertAdminError(await admins.acme('PATCH', corpora, { scope_descriptions: { 'corpora:query': 'Mine now' } }), 404, 'not_found');
      assertAdminError(await admins.acme('DELETE', corpora), 404, 'not_found');
      assertAdminError(
        await admins.beta('POST', '/t/beta/admin/roles', { name: 'query', scopes: ['corpora:admin'] }),
        409,
        'conflict',
        /role template of the platform's/,
      );
      assertAdminError(
        await admins.beta('POST', '/t/beta/admin/apis', { identifier: CORPORA, scopes: ['corpora:admin'] }),
        409,
        'conflict',
        /exists already/,
      );
      const template = (await platform('GET', '/admin/platform/roles')).body as { roles: { scopes: string[] }[] };
      assert.deepEqual(template.roles[0]!.scopes, ['corpora:query'], 'the template is as the platform made it');
    });

    test("a tenant's client with the template gets a token for the platform's API, naming its tenant", async () => {
      const made = await admins.acme('POST', '/t/acme/admin/clients', { name: 'acme search', roles: ['query'] });
      assert.equal(made.status, 201, made.text);
      const { client, client_secret } = made.body as { client: { client_id: string }; client_secret: string };
      const issued = await postForm(
        server,
        '/t/acme/oauth2/token',
        { grant_type: 'client_credentials', resource: CORPORA },
        { clientId: client.client_id, clientSecret: client_secret },
      );
      assert.equal(issued.status, 200, issued.text);
      const claims = decodeJwt((issued.body as { access_token: string }).access_token);
      assert.equal(claims.aud, CORPORA);
      assert.equal(claims.scope, 'corpora:query');
      assert.equal(claims.iss, `${server.issuer}/t/acme`);
      assert.equal(claims.tenant, 'acme');
    });

    test("a limited tenant's own roles and clients stay within the scopes the platform allows it", async () => {
      assertAdminError(
        await admins.acme('POST', '/t/acme/admin/roles', { name: 'admin-of-corpora', scopes: ['corpora:admin'] }),
        400,
        'invalid_request',
        /may not use the scope corpora:admin: the platform allows it corpora:query/,
      );
      assert.equal((await admins.acme('POST', '/t/acme/admin/roles', { name: 'searcher', scopes: ['corpora:query'] })).status, 201);
      // Its own API's scopes are its own to use, except one a platform API defines.
      const own = await admins.acme('POST', '/t/acme/admin/apis', {
        identifier: 'https://api.acme.test',
        scopes: ['acme:read', 'corpora:admin'],
      });
      assert.equal(own.status, 201, own.text);
      assert.equal((await admins.acme('POST', '/t/acme/admin/roles', { name: 'reader', scopes: ['acme:read'] })).status, 201);
      assertAdminError(
        await admins.acme('POST', '/t/acme/admin/roles', { name: 'sneaky', scopes: ['acme:read', 'corpora:admin'] }),
        400,
        'invalid_request',
        /corpora:admin/,
      );
      assertAdminError(await admins.acme('PATCH', '/t/acme/admin/roles/searcher', { scopes: ['corpora:admin'] }), 400, 'invalid_request');
      assertAdminError(
        await admins.acme('POST', '/t/acme/admin/clients', { name: 'direct', scopes: ['corpora:admin'] }),
        400,
        'invalid_request',
      );
      const roles = ((await admins.acme('GET', '/t/acme/admin/roles')).body as { roles: { name: string; scopes: string[] }[] }).roles;
      assert.deepEqual(
        roles.map((r) => [r.name, r.scopes.join(' ')]),
        [
          ['admin', ADMIN_SCOPE],
          ['query', 'corpora:query'],
          ['reader', 'acme:read'],
          ['searcher', 'corpora:query'],
        ],
        'the refused changes left nothing behind',
      );
      // beta has no limit.
      assert.equal((await admins.beta('POST', '/t/beta/admin/roles', { name: 'admin-of-corpora', scopes: ['corpora:admin'] })).status, 201);
      // Widened by the operator, acme may use corpora:admin from its next request on.
      const widened = await platform('PATCH', '/admin/tenants/acme', { allowed_scopes: ['corpora:query', 'corpora:admin'] });
      assert.equal(widened.status, 200, widened.text);
      const created = await eventually(
        () => admins.acme('POST', '/t/acme/admin/roles', { name: 'admin-of-corpora', scopes: ['corpora:admin'] }),
        (answer) => answer.status !== 400,
      );
      assert.equal(created.status, 201, created.text);
    });

    test("the platform cannot register an API a tenant has registered, which would be that tenant's to shape", async () => {
      assertAdminError(
        await platform('POST', '/admin/platform/apis', { identifier: 'https://api.acme.test', scopes: ['x:y'] }),
        409,
        'conflict',
        /a tenant has registered an API/,
      );
    });

    test('the CLI registers and lists platform definitions with --platform, and refuses it with --tenant', async () => {
      const role = await gatehouseJson(server.env, 'roles', 'create', '--platform', '--name', 'ingest', '--scopes', 'corpora:ingest');
      assert.equal(role.platform, true);
      const api = await gatehouseJson(
        server.env,
        'apis',
        'create',
        '--platform',
        '--identifier',
        'https://ingest.platform.test',
        '--scopes',
        'corpora:ingest',
      );
      assert.equal(api.platform, true);
      const roles = await gatehouseJson(server.env, 'roles', 'list', '--platform');
      assert.deepEqual(
        roles.map((r: { name: string }) => r.name),
        ['ingest', 'query'],
      );
      const acmeRoles = await gatehouseJson(server.env, 'roles', 'list', '--tenant', 'acme');
      assert.ok(acmeRoles.some((r: { name: string; platform: boolean }) => r.name === 'ingest' && r.platform));
      const apis = await gatehouseJson(server.env, 'apis', 'list', '--platform');
      assert.deepEqual(apis.apis.map((a: { identifier: string }) => a.identifier).sort(), [CORPORA, 'https://ingest.platform.test']);
      const text = await cli(server.env, 'roles', 'list', '--tenant', 'beta');
      assert.match(text.stdout, /^ingest\s+corpora:ingest\s+platform/m);
      const refused = await cli(server.env, 'roles', 'create', '--platform', '--tenant', 'acme', '--name', 'x', '--scopes', 'y');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /leave out --tenant/);
      assert.equal((await server.server.gatehouse.platform.roles.listRoles()).items.length, 2, 'nothing was made');
    });
  });
}
