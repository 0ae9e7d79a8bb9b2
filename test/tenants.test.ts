import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { systemActor } from '../src/admin/audit-log.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import { adminApi, adminMachine, assertAdminError, auditEvents } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse as cli, gatehouseJson } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function clientCredentials(tokenEndpoint: string, id: string, secret: string): Promise<{ status: number; body: any }> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: await response.json() };
}

async function form(url: string, id: string, secret: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Counts the rows a tenant owns in the tables every tenant writes to on first use and through these tests. */
async function rowsOf(server: TestServer, tenant: string): Promise<Record<string, number>> {
  const { db } = server.server.gatehouse.store;
  const counts: Record<string, number> = {};
  for (const table of ['clients', 'roles', 'signing_keys', 'audit_events', 'revoked_tokens'] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

for (const backend of backends()) {
  describe(`tenants: one issuer each, side by side (${backend.name})`, () => {
    let server: TestServer;
    let acme: TenantGatehouse;
    let beta: TenantGatehouse;
    const apps: Record<'root' | 'acme' | 'beta', { id: string; secret: string }> = {} as never;

    before(async () => {
      server = await startTestServer(backend);
      const { platform, tenants } = server.server.gatehouse;
      for (const id of ['acme', 'beta']) await platform.tenants.create({ id, name: `${id} Inc.` }, systemActor());
      acme = (await tenants.open('acme'))!;
      beta = (await tenants.open('beta'))!;
      for (const [name, services] of [
        ['root', server.server.gatehouse],
        ['acme', acme],
        ['beta', beta],
      ] as const) {
        await services.management.roles.createRole({ name: 'query', scopes: ['corpora:query'] }, systemActor());
        const { client: created, clientSecret } = await services.management.clients.createClient(
          { name: `${name} app`, roles: ['query'], introspection: true },
          systemActor(),
        );
        apps[name] = { id: created.client_id, secret: clientSecret! };
      }
    });
    after(() => server.close());

    test('each tenant is its own issuer, with discovery, keys and a token endpoint under {issuer}/t/{id}', async () => {
      const issuer = `${server.issuer}/t/acme`;
      const discovered: any = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
      assert.equal(discovered.issuer, issuer);
      assert.equal(discovered.token_endpoint, `${issuer}/oauth2/token`);
      assert.equal(discovered.jwks_uri, `${issuer}/.well-known/jwks.json`);
      assert.deepEqual(discovered.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
      assert.equal(discovered.authorization_endpoint, `${issuer}/oauth2/authorize`);
      const root: any = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
      assert.equal(root.issuer, server.issuer, 'the default tenant keeps the root URLs');

      const acmeKids = ((await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as any).keys.map((key: { kid: string }) => key.kid);
      const rootKids = ((await (await fetch(`${server.issuer}/.well-known/jwks.json`)).json()) as any).keys.map(
        (key: { kid: string }) => key.kid,
      );
      const betaKids = ((await (await fetch(`${server.issuer}/t/beta/.well-known/jwks.json`)).json()) as any).keys.map(
        (key: { kid: string }) => key.kid,
      );
      assert.equal(acmeKids.length, 1, 'a tenant starts with its ES256 key; its RS256 key comes with its first ID token');
      assert.deepEqual(
        acmeKids.filter((kid: string) => rootKids.includes(kid) || betaKids.includes(kid)),
        [],
        'no key is shared',
      );
    });

    test('openid-client and oauth4webapi get tokens from two tenants side by side, each naming its tenant', async () => {
      for (const tenant of ['acme', 'beta'] as const) {
        const issuer = `${server.issuer}/t/${tenant}`;
        const config = await client.discovery(new URL(issuer), apps[tenant].id, apps[tenant].secret, client.ClientSecretBasic(), {
          execute: [client.allowInsecureRequests],
        });
        const tokens = await client.clientCredentialsGrant(config, { scope: 'corpora:query' });
        const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
          issuer,
          audience: `${issuer}/api`,
          typ: 'at+jwt',
        });
        assert.equal(payload.tenant, tenant);
        assert.equal(payload.client_id, apps[tenant].id);
        assert.equal(payload.scope, 'corpora:query');

        const as = await oauth.processDiscoveryResponse(
          new URL(issuer),
          await oauth.discoveryRequest(new URL(issuer), { [oauth.allowInsecureRequests]: true }),
        );
        const auth = oauth.ClientSecretPost(apps[tenant].secret);
        const response = await oauth.clientCredentialsGrantRequest(as, { client_id: apps[tenant].id }, auth, new URLSearchParams(), {
          [oauth.allowInsecureRequests]: true,
        });
        const result = await oauth.processClientCredentialsResponse(as, { client_id: apps[tenant].id }, response);
        assert.equal(decodeJwt(result.access_token).iss, issuer);
        const introspected = await oauth.processIntrospectionResponse(
          as,
          { client_id: apps[tenant].id },
          await oauth.introspectionRequest(as, { client_id: apps[tenant].id }, auth, result.access_token, {
            [oauth.allowInsecureRequests]: true,
          }),
        );
        assert.equal(introspected.active, true);
        assert.equal(introspected.iss, issuer);
      }
      const root = await clientCredentials(`${server.issuer}/oauth2/token`, apps.root.id, apps.root.secret);
      assert.equal(root.status, 200);
      assert.equal(decodeJwt(root.body.access_token).tenant, 'default');
      assert.equal(decodeJwt(root.body.access_token).iss, server.issuer);
    });

    test("a client of one tenant is refused at every other tenant's token endpoint", async () => {
      for (const [owner, endpoint] of [
        ['acme', `${server.issuer}/oauth2/token`],
        ['acme', `${server.issuer}/t/beta/oauth2/token`],
        ['root', `${server.issuer}/t/acme/oauth2/token`],
        ['beta', `${server.issuer}/t/acme/oauth2/token`],
      ] as const) {
        const answer = await clientCredentials(endpoint, apps[owner].id, apps[owner].secret);
        assert.equal(answer.status, 401, `${owner}'s client at ${endpoint}`);
        assert.equal(answer.body.error, 'invalid_client');
      }
    });

    test("a token of one tenant is inactive at another's introspection, and revoking it there changes nothing", async () => {
      const token = (await clientCredentials(`${server.issuer}/t/acme/oauth2/token`, apps.acme.id, apps.acme.secret)).body.access_token;
      const kid = decodeProtectedHeader(token).kid;
      for (const [who, base] of [
        ['beta', `${server.issuer}/t/beta`],
        ['root', server.issuer],
      ] as const) {
        const introspected = await form(`${base}/oauth2/introspect`, apps[who].id, apps[who].secret, { token });
        assert.equal(introspected.status, 200);
        assert.deepEqual(introspected.body, { active: false }, `${who} must not see acme's token (kid ${kid})`);
        const revoked = await form(`${base}/oauth2/revoke`, apps[who].id, apps[who].secret, { token });
        assert.equal(revoked.status, 200, 'RFC 7009 §2.2: an unknown token is answered 200');
      }
      const still = await form(`${server.issuer}/t/acme/oauth2/introspect`, apps.acme.id, apps.acme.secret, { token });
      assert.equal(still.body.active, true, "another tenant's revocation must not reach acme's token");
      assert.equal(still.body.tenant ?? 'acme', 'acme');
    });

    test("a tenant's own gatehouse:admin token opens nothing of the platform's admin API", async () => {
      await acme.management.roles.createRole({ name: 'ops', scopes: ['gatehouse:admin'] }, systemActor());
      const { client: ops, clientSecret } = await acme.management.clients.createClient({ name: 'ops', roles: ['ops'] }, systemActor());
      const issued = await clientCredentials(`${server.issuer}/t/acme/oauth2/token`, ops.client_id, clientSecret!);
      assert.equal(issued.status, 200);
      assert.equal(issued.body.scope, 'gatehouse:admin', "acme may hold the scope for its own issuer's tokens");
      for (const path of ['/admin/tenants', '/admin/clients', '/admin/users', '/admin/tenants/beta']) {
        const response = await fetch(`${server.issuer}${path}`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
        assert.equal(response.status, 401, path);
        assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/);
      }
      const tenants = await server.server.gatehouse.platform.tenants.list();
      assert.deepEqual(
        tenants.tenants.map((tenant) => tenant.id),
        ['acme', 'beta', 'default'],
      );
    });

    test("the platform's admin API creates, pages, changes, suspends and deletes tenants, and refuses bad input", async () => {
      const api = adminApi(server, (await adminMachine(server, 'platform operator')).token);
      const created = await api('POST', '/admin/tenants', {
        id: 'delta',
        name: 'Delta',
        quotas: { max_clients: 1 },
        settings: { access_token_ttl: 600 },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal((created.body as any).tenant.issuer, `${server.issuer}/t/delta`);
      assert.deepEqual((created.body as any).tenant.settings, { access_token_ttl: 600 });
      assertAdminError(await api('POST', '/admin/tenants', { id: 'delta', name: 'again' }), 409, 'conflict', /exists already/);
      assertAdminError(await api('POST', '/admin/tenants', { id: 'www', name: 'x' }), 400, 'invalid_request', /reserved/);
      assertAdminError(await api('POST', '/admin/tenants', { id: 'x', name: 'x', quotas: { max_clients: -1 } }), 400, 'invalid_request');
      assertAdminError(await api('GET', '/admin/tenants/nobody'), 404, 'not_found');
      assert.equal((await api('GET', '/admin/tenants/x')).status, 404, 'a refused creation left nothing');

      const page = await api('GET', '/admin/tenants?limit=2');
      assert.equal(page.status, 200);
      assert.deepEqual(
        (page.body as any).tenants.map((tenant: { id: string }) => tenant.id),
        ['acme', 'beta'],
      );
      assert.equal((page.body as any).next, 'beta');
      const next = await api('GET', `/admin/tenants?limit=2&after=${(page.body as any).next}`);
      assert.deepEqual(
        (next.body as any).tenants.map((tenant: { id: string }) => tenant.id),
        ['default', 'delta'],
      );
      assert.deepEqual(
        ((await api('GET', '/admin/tenants?search=DEL')).body as any).tenants.map((tenant: { id: string }) => tenant.id),
        ['delta'],
      );

      // The tenant's settings and quota apply to it: its tokens live 600 s, and it may have one client.
      const delta = (await server.server.gatehouse.tenants.open('delta'))!;
      const { client: app, clientSecret } = await delta.management.clients.createClient({ name: 'one' }, systemActor());
      await assert.rejects(delta.management.clients.createClient({ name: 'two' }, systemActor()), /at most 1 app clients/);
      const token = await clientCredentials(`${server.issuer}/t/delta/oauth2/token`, app.client_id, clientSecret!);
      assert.equal(token.body.expires_in, 600);
      const changed = await api('PATCH', '/admin/tenants/delta', { settings: { access_token_ttl: 900 } });
      assert.equal(changed.status, 200, changed.text);
      const later = await clientCredentials(`${server.issuer}/t/delta/oauth2/token`, app.client_id, clientSecret!);
      assert.equal(later.body.expires_in, 900, 'a change of settings takes effect at the next request');
      // PATCH merges (RFC 7396): a field left out is kept, null removes one, and a bad merged result changes nothing.
      const named = await api('PATCH', '/admin/tenants/delta', { settings: { display_name: 'Delta Cloud' }, quotas: { max_users: 5 } });
      assert.deepEqual((named.body as any).tenant.settings, { access_token_ttl: 900, display_name: 'Delta Cloud' });
      assert.deepEqual((named.body as any).tenant.quotas, { max_clients: 1, max_users: 5 });
      const cleared = await api('PATCH', '/admin/tenants/delta', { settings: { access_token_ttl: null }, quotas: { max_users: null } });
      assert.deepEqual((cleared.body as any).tenant.settings, { display_name: 'Delta Cloud' });
      assert.deepEqual((cleared.body as any).tenant.quotas, { max_clients: 1 });
      assertAdminError(
        await api('PATCH', '/admin/tenants/delta', { settings: { logo_url: 'http://insecure.example/logo.png' } }),
        400,
        'invalid_request',
      );
      assertAdminError(await api('PATCH', '/admin/tenants/delta', { settings: { colour: '#000000' } }), 400, 'invalid_request');
      assert.deepEqual((await server.server.gatehouse.platform.tenants.get('delta')).settings, { display_name: 'Delta Cloud' });

      assert.equal(((await api('POST', '/admin/tenants/delta/suspend')).body as any).tenant.status, 'suspended');
      assert.equal((await clientCredentials(`${server.issuer}/t/delta/oauth2/token`, app.client_id, clientSecret!)).status, 403);
      assert.equal(((await api('POST', '/admin/tenants/delta/resume')).body as any).tenant.status, 'active');
      assertAdminError(await api('POST', '/admin/tenants/default/suspend'), 409, 'conflict');
      assert.equal((await api('DELETE', '/admin/tenants/delta')).status, 204);
      assert.equal((await clientCredentials(`${server.issuer}/t/delta/oauth2/token`, app.client_id, clientSecret!)).status, 404);
      const events = (await auditEvents(api)).filter((event) => event.target === 'delta').map((event) => event.action);
      assert.deepEqual([...new Set(events)].sort(), [
        'tenant.created',
        'tenant.deleted',
        'tenant.resumed',
        'tenant.suspended',
        'tenant.updated',
      ]);
    });

    test('an unknown tenant, the default tenant under /t/ and a malformed id are 404s, never another tenant', async () => {
      for (const path of ['/t/nobody/.well-known/openid-configuration', '/t/default/.well-known/jwks.json', '/t/Bad_Id/oauth2/token']) {
        const response = await fetch(`${server.issuer}${path}`, { method: path.endsWith('token') ? 'POST' : 'GET' });
        assert.equal(response.status, 404, path);
        const body: any = await response.json();
        assert.ok(['invalid_request', 'not_found'].includes(body.error), `${path}: ${JSON.stringify(body)}`);
        assert.equal(body.issuer, undefined);
        assert.equal(body.keys, undefined);
      }
    });

    test('a suspended tenant refuses its tokens and clients at once; resumed, it works again', async () => {
      const { platform } = server.server.gatehouse;
      const token = (await clientCredentials(`${server.issuer}/t/beta/oauth2/token`, apps.beta.id, apps.beta.secret)).body.access_token;
      const suspended = await platform.tenants.suspend('beta', systemActor());
      assert.equal(suspended.status, 'suspended');
      const refused = await clientCredentials(`${server.issuer}/t/beta/oauth2/token`, apps.beta.id, apps.beta.secret);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error, 'access_denied');
      const introspection = await form(`${server.issuer}/t/beta/oauth2/introspect`, apps.beta.id, apps.beta.secret, { token });
      assert.equal(introspection.status, 403);
      assert.equal((await fetch(`${server.issuer}/t/beta/.well-known/jwks.json`)).status, 403, 'its keys are withdrawn');
      assert.equal((await clientCredentials(`${server.issuer}/t/acme/oauth2/token`, apps.acme.id, apps.acme.secret)).status, 200);

      await platform.tenants.resume('beta', systemActor());
      assert.equal((await clientCredentials(`${server.issuer}/t/beta/oauth2/token`, apps.beta.id, apps.beta.secret)).status, 200);
      const back = await form(`${server.issuer}/t/beta/oauth2/introspect`, apps.beta.id, apps.beta.secret, { token });
      assert.equal(back.body.active, true);
    });

    test('the default tenant cannot be suspended or deleted, and ids are checked', async () => {
      const { platform } = server.server.gatehouse;
      await assert.rejects(platform.tenants.suspend('default', systemActor()), /default tenant cannot be suspended/);
      await assert.rejects(platform.tenants.delete('default', systemActor()), /default tenant cannot be deleted/);
      await assert.rejects(platform.tenants.create({ id: 'admin', name: 'x' }, systemActor()), /reserved/);
      await assert.rejects(platform.tenants.create({ id: 'Acme', name: 'x' }, systemActor()), /not a tenant id/);
      await assert.rejects(platform.tenants.create({ id: 'acme', name: 'again' }, systemActor()), /exists already/);
      assert.equal((await platform.tenants.get('acme')).name, 'acme Inc.', 'a refused creation changed nothing');
    });

    test('the CLI creates, lists, suspends, resumes and deletes tenants, and --tenant scopes every other command', async () => {
      const created = await gatehouseJson(server.env, 'tenants', 'create', '--id', 'gamma', '--name', 'Gamma', '--max-clients', '5');
      assert.equal(created.issuer, `${server.issuer}/t/gamma`);
      assert.deepEqual(created.quotas, { max_clients: 5 });
      const listed = await gatehouseJson(server.env, 'tenants', 'list', '--search', 'gam');
      assert.deepEqual(
        listed.tenants.map((t: { id: string }) => t.id),
        ['gamma'],
      );
      const app = await gatehouseJson(server.env, 'clients', 'create', '--name', 'Gamma app', '--tenant', 'gamma');
      const gammaClients = await gatehouseJson(server.env, 'clients', 'list', '--tenant', 'gamma');
      assert.deepEqual(
        gammaClients.map((c: { client_id: string }) => c.client_id).filter((id: string) => !id.startsWith('gatehouse-')),
        [app.client_id],
      );
      const rootClients = await gatehouseJson(server.env, 'clients', 'list');
      assert.ok(
        !rootClients.some((c: { client_id: string }) => c.client_id === app.client_id),
        "gamma's client is not the default tenant's",
      );
      const token = await clientCredentials(`${server.issuer}/t/gamma/oauth2/token`, app.client_id, app.client_secret);
      assert.equal(token.status, 200);

      const updated = await gatehouseJson(
        server.env,
        'tenants',
        'update',
        'gamma',
        '--max-users',
        '9',
        '--display-name',
        'Gamma Cloud',
        '--allowed-scopes',
        'a:b',
      );
      assert.deepEqual(
        [updated.quotas, updated.settings, updated.allowed_scopes],
        [{ max_clients: 5, max_users: 9 }, { display_name: 'Gamma Cloud' }, ['a:b']],
      );
      const cleared = await gatehouseJson(server.env, 'tenants', 'update', 'gamma', '--max-clients', 'none', '--allowed-scopes', 'any');
      assert.deepEqual(
        [cleared.quotas, cleared.settings, cleared.allowed_scopes],
        [{ max_users: 9 }, { display_name: 'Gamma Cloud' }, null],
      );
      const nothing = await cli(server.env, 'tenants', 'update', 'gamma');
      assert.equal(nothing.code, 1);
      assert.match(nothing.stderr, /nothing to change/);
      assert.equal((await gatehouseJson(server.env, 'tenants', 'suspend', 'gamma', '--yes')).status, 'suspended');
      assert.equal((await gatehouseJson(server.env, 'tenants', 'resume', 'gamma')).status, 'active');
      const unknown = await cli(server.env, 'clients', 'list', '--tenant', 'nobody');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no tenant "nobody"/);
      const wholeDeployment = await cli(server.env, 'purge', '--tenant', 'gamma');
      assert.equal(wholeDeployment.code, 1);

      const before = await rowsOf(server, 'gamma');
      assert.ok(before.clients! >= 1 && before.signing_keys === 1, JSON.stringify(before));
      const acmeBefore = await rowsOf(server, 'acme');
      assert.deepEqual(await gatehouseJson(server.env, 'tenants', 'delete', 'gamma', '--yes'), { id: 'gamma', deleted: true });
      assert.deepEqual(await rowsOf(server, 'gamma'), { clients: 0, roles: 0, signing_keys: 0, audit_events: 0, revoked_tokens: 0 });
      assert.deepEqual(await rowsOf(server, 'acme'), acmeBefore, "deleting gamma touched nothing of acme's");
      const gone = await clientCredentials(`${server.issuer}/t/gamma/oauth2/token`, app.client_id, app.client_secret);
      assert.equal(gone.status, 404);
    });
  });

  describe(`tenants under host routing (${backend.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_TENANT_HOSTS: '*.auth.test' });
      await server.server.gatehouse.platform.tenants.create({ id: 'acme', name: 'Acme' }, systemActor());
    });
    after(() => server.close());

    /** A GET with the Host header given (fetch does not let one set it). */
    const get = (path: string, host: string) =>
      new Promise<{ status: number; body: string; cookies: string[]; json: () => Promise<any> }>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        request({ hostname, port, path, headers: { host } }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode!,
              body,
              cookies: response.headers['set-cookie'] ?? [],
              json: async () => JSON.parse(body),
            }),
          );
        })
          .on('error', reject)
          .end();
      });

    test("a tenant's host is its issuer, its pages, console and playground are at its root", async () => {
      const port = new URL(server.issuer).port;
      const discovered: any = await (await get('/.well-known/openid-configuration', `acme.auth.test:${port}`)).json();
      assert.equal(discovered.issuer, `http://acme.auth.test:${port}`);
      assert.equal(discovered.token_endpoint, `http://acme.auth.test:${port}/oauth2/token`);
      assert.equal((await get('/.well-known/openid-configuration', `nobody.auth.test:${port}`)).status, 404);
      assert.equal((await get('/.well-known/openid-configuration', `default.auth.test:${port}`)).status, 404);
      assert.equal((await get('/t/acme/.well-known/openid-configuration', `127.0.0.1:${port}`)).status, 404);
      const console = await (await get('/console/config.json', `acme.auth.test:${port}`)).json();
      assert.equal(console.issuer, `http://acme.auth.test:${port}`);
      assert.equal(console.clientId, 'gatehouse-console.acme');
      const playground = await (await get('/playground/config.json', `acme.auth.test:${port}`)).json();
      assert.deepEqual([playground.issuer, playground.client_id], [`http://acme.auth.test:${port}`, 'gatehouse-playground.acme']);
      const login = await get('/login', `acme.auth.test:${port}`);
      assert.equal(login.status, 200);
      assert.match(login.body, /action="\/login"/, "acme's sign-in form posts to acme's host root");
      assert.match(login.cookies.join('\n'), /^gh_acme\.browser=/m, "the browser cookie is acme's");
      const root: any = await (await get('/.well-known/openid-configuration', `127.0.0.1:${port}`)).json();
      assert.equal(root.issuer, server.issuer);
    });
  });
}
