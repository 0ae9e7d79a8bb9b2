import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import { ADMIN_SCOPE, adminApi, adminMachine, assertAdminError, assertBearerError, auditEvents } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { authorize, REDIRECT_URI } from './helpers/code-flow.js';
import { routesOf } from './helpers/routes.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tenantRows } from './helpers/tenant-rows.js';
import { createTenants } from './helpers/tenants.js';
import { basicAuth, postForm } from './helpers/tokens.js';

const PASSWORD = 'staple battery horse';

/** What a tenant is seeded with, each name and id its own, so that one tenant's answer can be searched for another's. */
interface Seeded {
  client: string;
  user: string;
  username: string;
  role: string;
  api: string;
  session: string;
  kids: string[];
  /** A confidential client holding the tenant's admin role: its client_credentials token is a machine admin token. */
  ops: { clientId: string; clientSecret: string };
  /** A user holding the tenant's admin role. */
  member: string;
  /** A person of the platform on the tenant's team (a developer), and an invitation to join it. */
  teammate: string;
  invitation: string;
}

/** A tenant with clients, roles, an API, users, a session, a consent and keys, made through its own services. */
async function seed(tenant: TenantGatehouse, platformUsers: TenantGatehouse['management']['users']): Promise<Seeded> {
  const { management, sessions, consents, config } = tenant;
  const id = tenant.tenant.id;
  const admin = await management.roles.ensureAdminRole();
  const role = (await management.roles.createRole({ name: `${id}-role`, scopes: [`${id}:read`] }, systemActor())).name;
  const api = (
    await management.apis.createApi({ identifier: `https://api.${id}.test`, name: `${id} API`, scopes: [`${id}:read`] }, systemActor())
  ).identifier;
  const { client } = await management.clients.createClient({ name: `${id} app`, roles: [role] }, systemActor());
  const ops = await management.clients.createClient({ name: `${id} ops`, roles: [admin] }, systemActor());
  const user = await management.users.createUser({ username: `${id}-user`, password: PASSWORD, roles: [role] }, systemActor());
  const member = await management.users.createUser({ username: `${id}-admin`, password: PASSWORD, roles: [admin] }, systemActor());
  const { session } = await sessions.start(user.id, { ip: '203.0.113.7', userAgent: 'test' });
  const teammate = await platformUsers.createUser({ username: `${id}-teammate`, password: PASSWORD }, systemActor());
  await tenant.repositories.members.add(teammate.id, 'developer');
  const { invitation } = await management.members.invite({ email: `ops@${id}.test`, role: 'viewer' }, systemActor());
  await consents.grant(user.id, client.client_id, config.defaultAudience, ['openid', `${id}:read`]);
  return {
    client: client.client_id,
    user: user.id,
    username: user.username,
    role,
    api,
    session: session.id,
    kids: (await management.keys.list()).map((key) => key.kid),
    ops: { clientId: ops.client.client_id, clientSecret: ops.clientSecret! },
    member: member.id,
    teammate: teammate.id,
    invitation: invitation.id,
  };
}

/** A route's URL with the seeded tenant's ids in place of its parameters. */
function naming(url: string, ids: Seeded): string {
  return url
    .replace('/clients/:id', `/clients/${encodeURIComponent(ids.client)}`)
    .replace('/users/:id', `/users/${encodeURIComponent(ids.user)}`)
    .replace('/sessions/:id', `/sessions/${encodeURIComponent(ids.session)}`)
    .replace('/members/:id', `/members/${encodeURIComponent(ids.teammate)}`)
    .replace('/invitations/:id', `/invitations/${encodeURIComponent(ids.invitation)}`)
    .replace('/roles/:name', `/roles/${encodeURIComponent(ids.role)}`)
    .replace('/apis/:id', `/apis/${encodeURIComponent(ids.api)}`)
    .replace('/:clientId', `/${encodeURIComponent(ids.client)}`);
}

/**
 * Every route of a tenant's admin API, with the body it needs to get past validation and, for a route that names no
 * object, the status it answers at the caller's own tenant. The test fails when the app has a route not listed here.
 */
const MATRIX: Record<string, { body?: unknown; ok?: number }> = {
  'GET /admin/clients': { ok: 200 },
  'POST /admin/clients': { body: { name: 'made at acme' }, ok: 201 },
  'GET /admin/clients/:id': {},
  'PATCH /admin/clients/:id': { body: { name: 'renamed' } },
  'POST /admin/clients/:id/rotate-secret': { body: { grace_seconds: 0 } },
  'POST /admin/clients/:id/test-token': {},
  'POST /admin/clients/:id/revoke': {},
  'GET /admin/clients/:id/dependents': {},
  'DELETE /admin/clients/:id': {},
  'GET /admin/roles': { ok: 200 },
  'POST /admin/roles': { body: { name: 'made-at-acme', scopes: ['acme:write'] }, ok: 201 },
  'PATCH /admin/roles/:name': { body: { scopes: ['stolen:write'] } },
  'GET /admin/roles/:name/dependents': {},
  'DELETE /admin/roles/:name': {},
  'GET /admin/apis': { ok: 200 },
  'POST /admin/apis': { body: { identifier: 'https://made.acme.test', scopes: ['made:read'] }, ok: 201 },
  'PATCH /admin/apis/:id': { body: { name: 'stolen' } },
  'GET /admin/apis/:id/dependents': {},
  'GET /admin/apis/:id/openapi': {},
  'POST /admin/apis/:id/openapi/refresh': {},
  'DELETE /admin/apis/:id': {},
  'GET /admin/users': { ok: 200 },
  'POST /admin/users': { body: { username: 'made-at-acme', password: PASSWORD }, ok: 201 },
  'GET /admin/users/:id': {},
  'PATCH /admin/users/:id': { body: { roles: [] } },
  'POST /admin/users/:id/disable': {},
  'POST /admin/users/:id/enable': {},
  'POST /admin/users/:id/password': { body: { password: PASSWORD } },
  'GET /admin/users/:id/dependents': {},
  'DELETE /admin/users/:id': {},
  'GET /admin/users/:id/consents': {},
  'DELETE /admin/users/:id/consents/:clientId': {},
  'GET /admin/users/:id/sessions': {},
  'DELETE /admin/sessions/:id': {},
  'GET /admin/keys': { ok: 200 },
  'POST /admin/keys/rotate': { body: { alg: 'ES256' }, ok: 200 },
  'GET /admin/audit': { ok: 200 },
  'GET /admin/members': { ok: 200 },
  'PATCH /admin/members/:id': { body: { role: 'owner' } },
  'DELETE /admin/members/:id': {},
  'GET /admin/invitations': { ok: 200 },
  'POST /admin/invitations': { body: { email: 'new@acme.test', role: 'viewer' }, ok: 201 },
  'DELETE /admin/invitations/:id': {},
  'GET /admin/account': { ok: 200 },
  'PATCH /admin/account': { body: { settings: { display_name: 'Acme' } }, ok: 200 },
  'GET /admin/audit/export': { ok: 200 },
};

const TENANT_PREFIX = '/t/:tenant';

for (const backend of backends()) {
  describe(`each tenant's admin API, scoped to it (${backend.name})`, () => {
    let server: TestServer;
    let acme: TenantGatehouse;
    let beta: TenantGatehouse;
    const ids = {} as Record<'acme' | 'beta', Seeded>;
    /** Admin tokens: acme's machine client's (client_credentials), acme's member's, and the default tenant's. */
    const tokens = {} as Record<'acmeMachine' | 'acmeMember' | 'root', string>;
    /** The tenant-relative admin routes (`GET /admin/clients/:id`) served under /t/:tenant. */
    let tenantRoutes: string[];

    before(async () => {
      server = await startTestServer(backend);
      [acme, beta] = (await createTenants(server, 'acme', 'beta')) as [TenantGatehouse, TenantGatehouse];
      const platformUsers = server.server.gatehouse.management.users;
      ids.acme = await seed(acme, platformUsers);
      ids.beta = await seed(beta, platformUsers);
      const issued = await postForm(server, '/t/acme/oauth2/token', { grant_type: 'client_credentials', scope: ADMIN_SCOPE }, ids.acme.ops);
      assert.equal(issued.status, 200, issued.text);
      tokens.acmeMachine = (issued.body as { access_token: string }).access_token;
      // A member's token from the code flow at acme's own pages: the member signs in and consents to acme's console-like app.
      const { client: app, clientSecret } = await acme.management.clients.createClient(
        {
          name: 'acme admin app',
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT_URI],
          roles: [await acme.management.roles.ensureAdminRole()],
        },
        systemActor(),
      );
      const flow = await authorize(server, {
        issuer: acme.config.issuer,
        clientId: app.client_id,
        scope: `openid ${ADMIN_SCOPE}`,
        username: 'acme-admin',
        password: PASSWORD,
      });
      const redeemed = await postForm(
        server,
        '/t/acme/oauth2/token',
        { grant_type: 'authorization_code', code: flow.code, redirect_uri: REDIRECT_URI, code_verifier: flow.verifier },
        { clientId: app.client_id, clientSecret: clientSecret! },
      );
      assert.equal(redeemed.status, 200, redeemed.text);
      tokens.acmeMember = (redeemed.body as { access_token: string }).access_token;
      assert.equal(decodeJwt(tokens.acmeMember).sub, ids.acme.member);
      // The flow's ID token made acme's RS256 key (made on first use).
      ids.acme.kids = (await acme.management.keys.list()).map((key) => key.kid);
      tokens.root = (await adminMachine(server, 'platform operator')).token;
      tenantRoutes = routesOf(server.server.app)
        .filter((route) => route.url.startsWith(`${TENANT_PREFIX}/admin/`))
        .map((route) => `${route.method} ${route.url.slice(TENANT_PREFIX.length)}`)
        .sort();
    });
    after(() => server.close());

    const at = (token: string) => adminApi(server, token);

    test("a tenant's admin routes are the root's without the platform's, and the matrix lists every one", async () => {
      const rootRoutes = routesOf(server.server.app)
        .filter((route) => route.url.startsWith('/admin/'))
        .map((route) => `${route.method} ${route.url}`);
      const platformRoutes = rootRoutes.filter((route) => /^\/admin\/(tenants|platform)\b/.test(route.split(' ')[1]!));
      assert.ok(platformRoutes.length >= 12, platformRoutes.join(', '));
      assert.deepEqual(
        rootRoutes.filter((route) => !platformRoutes.includes(route)).sort(),
        tenantRoutes,
        'the default tenant keeps every tenant route at the root',
      );
      assert.deepEqual(tenantRoutes, Object.keys(MATRIX).sort(), 'a route missing from MATRIX is a route the IDOR test does not cover');
      const documented = Object.keys(((await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: object }).paths);
      assert.ok(documented.includes('/admin/clients/{id}') && documented.includes('/admin/tenants'), documented.join());
      assert.deepEqual(
        documented.filter((path) => path.startsWith('/t/')),
        [],
        "the document describes the root; a tenant's copies are the same API",
      );

      for (const token of [tokens.acmeMachine, tokens.root]) {
        for (const path of [
          '/t/acme/admin/tenants',
          '/t/acme/admin/tenants/beta',
          '/t/beta/admin/tenants/acme/suspend',
          '/t/acme/admin/platform/roles',
          '/t/acme/admin/platform/apis',
        ]) {
          const method = path.endsWith('suspend') ? 'POST' : 'GET';
          const answer = await at(token)(method, path);
          // No such route: the server's one answer for an unknown path, as for any other.
          assert.equal(answer.status, 404, `${path}: ${answer.text}`);
          assert.deepEqual(answer.body, { error: 'not_found', error_description: `no resource at ${method} ${path}` });
        }
      }
      assert.equal((await server.server.gatehouse.platform.tenants.get('acme')).status, 'active');
      assertAdminError(await at(tokens.acmeMachine)('GET', '/t/nobody/admin/clients'), 404, 'invalid_request', /no such tenant/);
    });

    test("acme's machine token and its member's token both work at acme's admin API, and see acme's objects only", async () => {
      assert.equal(decodeJwt(tokens.acmeMachine).iss, `${server.issuer}/t/acme`);
      for (const [who, token] of [
        ['machine', tokens.acmeMachine],
        ['member', tokens.acmeMember],
      ] as const) {
        const api = at(token);
        const clients = await api('GET', '/t/acme/admin/clients');
        assert.equal(clients.status, 200, `${who}: ${clients.text}`);
        const clientIds = (clients.body as { clients: { client_id: string }[] }).clients.map((client) => client.client_id);
        assert.ok(clientIds.includes(ids.acme.client) && clientIds.includes(ids.acme.ops.clientId), clientIds.join());
        assert.ok(!clientIds.includes(ids.beta.client), `${who} sees beta's client`);
        const users = ((await api('GET', '/t/acme/admin/users')).body as { users: { username: string }[] }).users.map(
          (user) => user.username,
        );
        assert.deepEqual(users.sort(), ['acme-admin', 'acme-user']);
        const apis = (await api('GET', '/t/acme/admin/apis')).body as { default: string; apis: { identifier: string }[] };
        assert.equal(apis.default, `${server.issuer}/t/acme/api`, "the tenant's own default audience");
        assert.deepEqual(
          apis.apis.map((entry) => entry.identifier),
          [ids.acme.api],
        );
        const keys = ((await api('GET', '/t/acme/admin/keys')).body as { keys: { kid: string }[] }).keys.map((key) => key.kid);
        assert.deepEqual(keys, ids.acme.kids);
      }
    });

    test("a change through acme's admin API is in acme's audit log, by its actor, and in no other tenant's", async () => {
      const beforeBeta = await tenantRows(beta.store, 'beta');
      const made = await at(tokens.acmeMember)('POST', '/t/acme/admin/clients', { name: 'audited at acme' });
      assert.equal(made.status, 201, made.text);
      const clientId = (made.body as { client: { client_id: string } }).client.client_id;
      assert.equal((await acme.management.clients.getClient(clientId)).name, 'audited at acme', 'stored as acme’s');
      await assert.rejects(server.server.gatehouse.management.clients.getClient(clientId), /no client/);

      const events = (await auditEvents((method, path) => at(tokens.acmeMachine)(method, `/t/acme${path}`))).filter(
        (event) => event.target === clientId,
      );
      assert.deepEqual(
        events.map((event) => [event.action, event.actor, event.actor_type]),
        [['client.created', ids.acme.member, 'user']],
      );
      const rootEvents = await auditEvents(at(tokens.root));
      assert.deepEqual(
        rootEvents.filter((event) => event.target === clientId),
        [],
        "not in the default tenant's log",
      );
      assert.deepEqual(await tenantRows(beta.store, 'beta'), beforeBeta, 'nothing of beta changed');
    });

    test("IDOR (a): acme's tokens and the default tenant's at beta's admin API are 401 invalid_token on every route; beta's rows unchanged", async () => {
      const before = await tenantRows(beta.store, 'beta');
      for (const route of tenantRoutes) {
        const [method, url] = route.split(' ') as [string, string];
        for (const [who, token] of Object.entries(tokens)) {
          const answer = await at(token)(method, `/t/beta${naming(url, ids.beta)}`, MATRIX[route]?.body);
          assertBearerError(answer, 401, 'invalid_token');
          assert.doesNotMatch(answer.text, new RegExp(`${ids.beta.client}|${ids.beta.user}|beta-user|beta-role`), `${who} ${route}`);
        }
      }
      assert.deepEqual(await tenantRows(beta.store, 'beta'), before);
    });

    test("IDOR (b): acme's token at acme's admin API naming beta's objects is 404 not_found on every route; beta's rows unchanged", async () => {
      const before = await tenantRows(beta.store, 'beta');
      const betaMarkers = [ids.beta.client, ids.beta.ops.clientId, ids.beta.user, ids.beta.member, ids.beta.username, ids.beta.role];
      const betaValues = [...betaMarkers, ids.beta.api, ids.beta.session, ...ids.beta.kids];
      // The routes that name an object, first by beta's ids and then (users) by beta's username; then the others.
      const byUsername = { ...ids.beta, user: ids.beta.username };
      const named = tenantRoutes.filter((route) => route.includes(':'));
      for (const route of named) {
        const [method, url] = route.split(' ') as [string, string];
        for (const target of url.includes('/users/:id') ? [ids.beta, byUsername] : [ids.beta]) {
          const answer = await at(tokens.acmeMachine)(method, `/t/acme${naming(url, target)}`, MATRIX[route]?.body);
          assertAdminError(answer, 404, 'not_found');
        }
      }
      for (const route of tenantRoutes.filter((entry) => !named.includes(entry))) {
        const [method, url] = route.split(' ') as [string, string];
        const answer = await at(tokens.acmeMachine)(method, `/t/acme${url}`, MATRIX[route]?.body);
        assert.equal(answer.status, MATRIX[route]?.ok, `${route}: ${answer.text}`);
        for (const value of betaValues) assert.ok(!answer.text.includes(value), `${route} answered beta's ${value}`);
      }
      // acme's own user with beta's client: nothing of acme's to withdraw, and beta's consent is not reached.
      const mixed = await at(tokens.acmeMachine)('DELETE', `/t/acme/admin/users/${ids.acme.user}/consents/${ids.beta.client}`);
      assert.equal(mixed.status, 200, mixed.text);
      assert.deepEqual(mixed.body, { withdrawn: false, revoked_grants: 0 });
      assert.deepEqual(await tenantRows(beta.store, 'beta'), before);
    });

    test("a suspended tenant's admin API refuses its own admin tokens with 403, until it is resumed", async () => {
      const issued = await postForm(server, '/t/beta/oauth2/token', { grant_type: 'client_credentials', scope: ADMIN_SCOPE }, ids.beta.ops);
      const betaApi = at((issued.body as { access_token: string }).access_token);
      assert.equal((await betaApi('GET', '/t/beta/admin/clients')).status, 200);
      const platform = at(tokens.root);
      assert.equal((await platform('POST', '/admin/tenants/beta/suspend')).status, 200);
      assertAdminError(await betaApi('GET', '/t/beta/admin/clients'), 403, 'access_denied', /suspended/);
      assertAdminError(await betaApi('POST', '/t/beta/admin/clients', { name: 'while suspended' }), 403, 'access_denied');
      assert.equal((await platform('POST', '/admin/tenants/beta/resume')).status, 200);
      const clients = await betaApi('GET', '/t/beta/admin/clients');
      assert.equal(clients.status, 200, clients.text);
      assert.ok(!clients.text.includes('while suspended'));
    });

    test("admin power follows acme's changes at once: a disabled member's and a revoked client's tokens are refused", async () => {
      const machine = at(tokens.acmeMachine);
      const second = await machine('POST', '/t/acme/admin/users', { username: 'acme-second-admin', password: PASSWORD, roles: ['admin'] });
      assert.equal(second.status, 201, second.text);
      assert.equal((await machine('POST', `/t/acme/admin/users/${ids.acme.member}/disable`)).status, 200);
      assertBearerError(await at(tokens.acmeMember)('GET', '/t/acme/admin/clients'), 401, 'invalid_token');
      const revoked = await at(tokens.acmeMachine)('POST', `/t/acme/admin/clients/${encodeURIComponent(ids.acme.ops.clientId)}/revoke`);
      assert.equal(revoked.status, 200, revoked.text);
      assertBearerError(await machine('GET', '/t/acme/admin/clients'), 401, 'invalid_token');
    });
  });

  describe(`a tenant's admin API on its own host (${backend.name})`, () => {
    let server: TestServer;
    let acme: Seeded;
    let acmeHost: string;

    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_TENANT_HOSTS: '*.auth.test' });
      const [tenant] = await createTenants(server, 'acme');
      acme = await seed(tenant!, server.server.gatehouse.management.users);
      acmeHost = `acme.auth.test:${new URL(server.issuer).port}`;
    });
    after(() => server.close());

    /** A request with the Host header given (fetch does not let one set it); the status and the parsed body. */
    const call = (method: string, path: string, host: string, headers: Record<string, string>, body = '') =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        request({ hostname, port, method, path, headers: { host, ...headers } }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: text ? JSON.parse(text) : undefined }));
        })
          .on('error', reject)
          .end(body);
      });

    test("acme's host serves acme's admin API at /admin, and not the platform's", async () => {
      const issued = await call(
        'POST',
        '/oauth2/token',
        acmeHost,
        {
          authorization: basicAuth(acme.ops),
          'content-type': 'application/x-www-form-urlencoded',
        },
        `grant_type=client_credentials&scope=${ADMIN_SCOPE}`,
      );
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const bearer = { authorization: `Bearer ${issued.body.access_token}` };
      assert.equal(decodeJwt(issued.body.access_token).iss, `http://${acmeHost}`);

      const clients = await call('GET', '/admin/clients', acmeHost, bearer);
      assert.equal(clients.status, 200, JSON.stringify(clients.body));
      assert.ok(clients.body.clients.some((client: { client_id: string }) => client.client_id === acme.client));
      const tenants = await call('GET', '/admin/tenants', acmeHost, bearer);
      assert.equal(tenants.status, 404);
      assert.equal(tenants.body.error, 'invalid_request');
      assert.equal(tenants.body.tenants, undefined);
      const atRoot = await call('GET', '/admin/clients', `127.0.0.1:${new URL(server.issuer).port}`, bearer);
      assert.equal(atRoot.status, 401, "acme's token at the default tenant's admin API");
      assert.equal(atRoot.body.error, 'invalid_token');
    });
  });
}
