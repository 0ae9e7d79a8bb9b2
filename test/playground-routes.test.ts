import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../src/admin/audit-log.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import type { PlaygroundEntry } from '../src/playground/views.js';
import { catalogOpenApi } from './helpers/catalog-api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';
import { postForm } from './helpers/tokens.js';

const CATALOG = 'https://catalog.example.test';
const ORDERS = 'https://orders.acme.test/api';

/** An OpenAPI document whose servers are relative to the API and use a variable. */
const ordersDocument = {
  openapi: '3.1.0',
  info: { title: 'Orders', version: '2.1.0' },
  servers: [
    { url: '/v{major}', variables: { major: { default: '2' } } },
    { url: 'https://eu.orders.acme.test/v2/' },
    { url: 'ftp://nope' },
  ],
  paths: { '/orders': { get: { operationId: 'ListOrders', responses: { '200': { description: 'OK' } } } } },
};

const directives = (csp: string | null) => Object.fromEntries((csp ?? '').split('; ').map((part) => [part.split(' ')[0], part]));

describe('API playground: its APIs, documents, client and page policy per tenant', () => {
  let server: TestServer;
  let acme: TenantGatehouse;
  const json = async (path: string) => {
    const response = await fetch(server.url + path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    return response.json() as Promise<Record<string, unknown>>;
  };
  const entries = async (base: string) => (await json(`${base}/playground/apis.json`)).apis as PlaygroundEntry[];

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    const { platform } = server.server.gatehouse;
    await platform.apis.createApi(
      {
        identifier: CATALOG,
        name: 'Catalog API',
        scopes: ['corpora:read', 'corpora:write'],
        scopeDescriptions: { 'corpora:read': 'Read corpora' },
        openapi: catalogOpenApi(CATALOG, server.issuer),
      },
      systemActor(),
    );
    // An API without a document is not offered.
    await platform.apis.createApi(
      { identifier: 'https://undocumented.example.test', name: 'Undocumented', scopes: ['x:y'] },
      systemActor(),
    );
    acme = (await createTenants(server, 'acme', 'beta'))[0]!;
    await acme!.management.apis.createApi(
      { identifier: ORDERS, name: 'Orders', scopes: ['orders:read'], openapi: ordersDocument },
      systemActor(),
    );
  });
  after(() => server?.close());

  test('apis.json lists Gatehouse, the demo API and the documented APIs the tenant sees, each with servers, scopes and document', async () => {
    const root = await entries('');
    assert.deepEqual(
      root.map(({ id, kind, resource }) => ({ id, kind, resource })),
      [
        { id: 'gatehouse', kind: 'gatehouse', resource: null },
        { id: 'demo', kind: 'demo', resource: null },
        { id: CATALOG, kind: 'platform', resource: CATALOG },
      ],
    );
    const catalog = root[2]!;
    assert.deepEqual(catalog.scopes, [
      { name: 'corpora:read', description: 'Read corpora' },
      { name: 'corpora:write', description: '' },
    ]);
    assert.equal(catalog.document, `${server.issuer}/playground/openapi.json?api=${encodeURIComponent(CATALOG)}`);
    assert.deepEqual(root[0]!.servers, [server.issuer]);
    assert.deepEqual(root[1]!.servers, [server.issuer]);
    assert.deepEqual(
      root[1]!.scopes.map((scope) => scope.name),
      ['demo:read'],
    );

    const atAcme = await entries('/t/acme');
    assert.deepEqual(
      atAcme.map((entry) => entry.id),
      ['gatehouse', 'demo', CATALOG, ORDERS],
    );
    assert.equal(atAcme[0]!.name, 'Gatehouse (acme Inc.)');
    assert.deepEqual(atAcme[0]!.servers, [`${server.issuer}/t/acme`]);
    // The demo API is the platform's, at the root, whichever tenant's playground offers it.
    assert.deepEqual(atAcme[1]!.servers, [server.issuer]);
    const orders = atAcme[3]!;
    assert.deepEqual(
      { kind: orders.kind, title: orders.title, version: orders.version },
      { kind: 'tenant', title: 'Orders', version: '2.1.0' },
    );
    // OpenAPI 3.1 §4.8.5: relative to the API (an uploaded document was served from nowhere), variables filled in.
    assert.deepEqual(orders.servers, ['https://orders.acme.test/v2', 'https://eu.orders.acme.test/v2']);
    // Another tenant's API is not offered.
    assert.deepEqual(
      (await entries('/t/beta')).map((entry) => entry.id),
      ['gatehouse', 'demo', CATALOG],
    );
  });

  test('openapi.json serves each document with absolute servers; an unknown or other tenant’s API is a 404', async () => {
    const orders = await json(`/t/acme/playground/openapi.json?api=${encodeURIComponent(ORDERS)}`);
    assert.deepEqual(orders.servers, [{ url: 'https://orders.acme.test/v2' }, { url: 'https://eu.orders.acme.test/v2' }]);
    assert.deepEqual(Object.keys(orders.paths as object), ['/orders']);

    const demo = await json('/playground/openapi.json?api=demo');
    assert.deepEqual(Object.keys(demo.paths as object).sort(), ['/api/demo/items', '/api/demo/whoami']);
    assert.deepEqual(demo.servers, [{ url: server.issuer }]);

    const own = await json('/playground/openapi.json?api=gatehouse');
    const ownPaths = Object.keys(own.paths as object);
    assert.ok(ownPaths.includes('/oauth2/token') && ownPaths.includes('/admin/tenants'), 'the platform has its tenants API');
    assert.ok(!ownPaths.some((path) => path.startsWith('/api/demo/')), 'the demo API is its own entry');

    const acmeOwn = await json('/t/acme/playground/openapi.json?api=gatehouse');
    const acmePaths = Object.keys(acmeOwn.paths as object);
    assert.deepEqual(acmeOwn.servers, [{ url: `${server.issuer}/t/acme` }]);
    assert.ok(acmePaths.includes('/oauth2/token') && acmePaths.includes('/admin/clients/{id}'));
    for (const rootOnly of ['/admin/tenants', '/me/accounts', '/health'])
      assert.ok(!acmePaths.includes(rootOnly), `${rootOnly} is the root's`);
    const flows = (acmeOwn.components as { securitySchemes: { oauth2: { flows: Record<string, { tokenUrl: string }> } } }).securitySchemes
      .oauth2.flows;
    assert.equal(flows.clientCredentials!.tokenUrl, `${server.issuer}/t/acme/oauth2/token`);

    for (const path of [
      `/t/beta/playground/openapi.json?api=${encodeURIComponent(ORDERS)}`,
      '/playground/openapi.json?api=https%3A%2F%2Fundocumented.example.test',
    ]) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { error: string }).error, 'not_found');
    }
    const missing = await fetch(`${server.url}/playground/openapi.json`);
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request');
  });

  test('the page may connect to this server and the selected API’s servers only', async () => {
    const page = async (path: string) => {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await response.text(), /<title>[^<]*playground/i);
      return directives(response.headers.get('content-security-policy'));
    };
    const origin = new URL(server.issuer).origin;
    const policy = await page(`/t/acme/playground/?api=${encodeURIComponent(ORDERS)}`);
    assert.equal(policy['connect-src'], `connect-src 'self' ${origin} https://orders.acme.test https://eu.orders.acme.test`);
    assert.equal(policy['script-src'], "script-src 'self'");
    assert.equal(policy['default-src'], "default-src 'none'");
    assert.equal(policy['frame-ancestors'], "frame-ancestors 'none'");
    assert.equal(policy['form-action'], "form-action 'none'");
    assert.equal((await page('/playground/'))['connect-src'], `connect-src 'self' ${origin}`);
    // Another tenant's API, or one made up, adds no origin.
    assert.equal((await page(`/t/beta/playground/?api=${encodeURIComponent(ORDERS)}`))['connect-src'], `connect-src 'self' ${origin}`);
    assert.equal(
      (await page(`/playground/?api=${encodeURIComponent(CATALOG)}`))['connect-src'],
      `connect-src 'self' ${origin} https://catalog.example.test`,
    );
    assert.equal((await page('/t/acme/playground/callback?code=x&state=y'))['connect-src'], `connect-src 'self' ${origin}`);
    const bare = await fetch(`${server.url}/t/acme/playground`, { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/t/acme/playground/');
    assert.equal((await fetch(`${server.url}/t/nobody/playground/`)).status, 404);
  });

  test('config.json names the tenant’s built-in public client, which may ask for the scopes of the APIs the tenant sees', async () => {
    const config = await json('/t/acme/playground/config.json');
    const issuer = `${server.issuer}/t/acme`;
    assert.deepEqual(config, {
      issuer,
      client_id: 'gatehouse-playground.acme',
      redirect_uri: `${issuer}/playground/callback`,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      console: `${issuer}/console/`,
    });
    const client = await acme.management.clients.getClient('gatehouse-playground.acme');
    assert.deepEqual(
      { public: client.token_endpoint_auth_method, redirect: client.redirect_uris, builtin: client.builtin },
      {
        public: 'none',
        redirect: [`${issuer}/playground/callback`],
        builtin: true,
      },
    );
    const resolved = await acme.directory.find('gatehouse-playground.acme');
    for (const scope of ['orders:read', 'corpora:read', 'corpora:write', 'demo:read']) assert.ok(resolved!.allowedScopes.has(scope), scope);
    // Not another tenant's.
    assert.ok(!(await server.server.gatehouse.directory.find('gatehouse-playground'))!.allowedScopes.has('orders:read'));
    // It is public: no client credentials for it.
    const refused = await postForm(server, '/t/acme/oauth2/token', {
      grant_type: 'client_credentials',
      client_id: 'gatehouse-playground.acme',
    });
    assert.equal(refused.status, 400);
    assert.equal((refused.body as { error: string }).error, 'unauthorized_client');
  });
});
