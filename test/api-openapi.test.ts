import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../src/admin/audit-log.js';
import type { ApiView } from '../src/admin/views.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import { LOOPBACK_FETCH_WARNING } from '../src/serve.js';
import { ADMIN_SCOPE, type AdminApi, adminApi, adminMachine, assertAdminError, auditEvents, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { eventually, freshStoreEnv, gatehouse, gatehouseJson, type ServeProcess, spawnServe } from './helpers/cli.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';
import { postForm } from './helpers/tokens.js';

/** A small OpenAPI 3.1 document of `operations` operations. */
function ordersDocument(version: string, operations = 3): Record<string, unknown> {
  const methods = ['get', 'post', 'delete', 'put', 'patch'].slice(0, operations);
  return {
    openapi: '3.1.0',
    info: { title: 'Orders', version },
    paths: { '/orders': Object.fromEntries(methods.map((method) => [method, { responses: { '200': { description: 'OK' } } }])) },
  };
}

const ORDERS_YAML = `openapi: 3.0.3
info:
  title: Orders (YAML)
  version: 0.9.0
paths:
  /orders:
    get:
      responses:
        '200':
          description: OK
`;

/** The local server an API's document is fetched from: what it serves can change between fetches. */
const served = { document: JSON.stringify(ordersDocument('1.0.0')), requests: 0 };

for (const backend of backends()) {
  describe(`APIs carry their OpenAPI document (${backend.name})`, () => {
    let server: TestServer;
    let documents: Server;
    let documentsBase: string;
    let api: AdminApi;
    let acme: TenantGatehouse;
    let acmeApi: AdminApi;
    let betaApi: AdminApi;
    const path = (identifier: string, rest = '') => `/admin/apis/${encodeURIComponent(identifier)}${rest}`;
    const registered = async (identifier: string) =>
      ((await api('GET', '/admin/apis')).body as { apis: ApiView[] }).apis.some((entry) => entry.identifier === identifier);

    /** An admin API caller of a tenant: a machine client of its own holding its admin role. */
    async function tenantAdmin(tenant: TenantGatehouse): Promise<AdminApi> {
      const role = await tenant.management.roles.ensureAdminRole();
      const { client, clientSecret } = await tenant.management.clients.createClient({ name: 'ops', roles: [role] }, systemActor());
      const issued = await postForm(
        server,
        `/t/${tenant.tenant.id}/oauth2/token`,
        { grant_type: 'client_credentials', scope: ADMIN_SCOPE },
        { clientId: client.client_id, clientSecret: clientSecret! },
      );
      assert.equal(issued.status, 200, issued.text);
      return adminApi(server, (issued.body as { access_token: string }).access_token);
    }

    before(async () => {
      documents = createServer((request, response) => {
        served.requests++;
        if (request.url === '/openapi.json')
          return void response.writeHead(200, { 'content-type': 'application/json' }).end(served.document);
        if (request.url === '/openapi.yaml') return void response.writeHead(200, { 'content-type': 'application/yaml' }).end(ORDERS_YAML);
        if (request.url === '/big.json') {
          return void response.writeHead(200, { 'content-type': 'application/json' }).end(`{"x":"${'a'.repeat(1536 * 1024)}"}`);
        }
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a document</html>');
      });
      await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
      documentsBase = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
      server = await startTestServer(backend, { GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'on' });
      api = adminApi(server, (await adminMachine(server, 'openapi admin')).token);
      const [first, second] = (await createTenants(server, 'acme', 'beta')) as [TenantGatehouse, TenantGatehouse];
      acme = first;
      acmeApi = await tenantAdmin(first);
      betaApi = await tenantAdmin(second);
    });
    after(async () => {
      await server?.close();
      documents?.closeAllConnections();
      await new Promise((resolve) => documents?.close(resolve));
    });

    test('an uploaded document is validated, summarised in the API, and answered by GET …/openapi as stored', async () => {
      const identifier = 'https://orders.upload.test';
      const document = ordersDocument('1.0.0');
      const created = await expectOk<ApiView>(
        api('POST', '/admin/apis', { identifier, scopes: ['orders:read'], openapi: document }),
        201,
        'api',
      );
      assert.deepEqual(created.openapi, { source: 'upload', title: 'Orders', version: '1.0.0', operations: 3 });
      const answer = await api('GET', path(identifier, '/openapi'));
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.deepEqual(answer.body, document);
      const list = await api('GET', '/admin/apis');
      const listed = (list.body as { apis: ApiView[] }).apis.find((entry) => entry.identifier === identifier);
      assert.deepEqual(listed?.openapi, created.openapi);
      assert.ok(!list.text.includes('"paths"'), 'the list carries no document');
      const [event] = (await auditEvents(api)).filter((entry) => entry.action === 'api.created' && entry.target === identifier);
      assert.deepEqual(event?.details, {
        scopes: ['orders:read'],
        openapi: { source: 'upload', url: null, title: 'Orders', version: '1.0.0', operations: 3 },
      });
    });

    test('YAML text is taken, stored as JSON; null removes the document; an API without one has none to GET', async () => {
      const identifier = 'https://orders.yaml.test';
      await expectOk(api('POST', '/admin/apis', { identifier }), 201, 'api');
      assertAdminError(await api('GET', path(identifier, '/openapi')), 404, 'not_found', /has no OpenAPI document/);
      const changed = await expectOk<ApiView>(api('PATCH', path(identifier), { openapi: ORDERS_YAML }), 200, 'api');
      assert.deepEqual(changed.openapi, { source: 'upload', title: 'Orders (YAML)', version: '0.9.0', operations: 1 });
      const stored = await api('GET', path(identifier, '/openapi'));
      assert.equal((stored.body as { openapi: string }).openapi, '3.0.3');
      assert.equal(stored.text, JSON.stringify(stored.body), 'stored as compact JSON');
      const removed = await expectOk<ApiView>(api('PATCH', path(identifier), { openapi: null }), 200, 'api');
      assert.equal(removed.openapi, null);
      assertAdminError(await api('GET', path(identifier, '/openapi')), 404, 'not_found', /has no OpenAPI document/);
      assertAdminError(await api('GET', path('https://unknown.test', '/openapi')), 404, 'not_found', /^no API "https:\/\/unknown\.test"$/);
    });

    test('a URL is fetched once at registration, and again only on refresh', async () => {
      const identifier = 'https://orders.url.test';
      const url = `${documentsBase}/openapi.json`;
      served.document = JSON.stringify(ordersDocument('1.0.0'));
      const before = served.requests;
      const created = await expectOk<ApiView>(api('POST', '/admin/apis', { identifier, openapi_url: url }), 201, 'api');
      const { fetched_at: fetchedAt, ...rest } = created.openapi ?? {};
      assert.deepEqual(rest, { source: 'url', url, title: 'Orders', version: '1.0.0', operations: 3 });
      assert.ok(typeof fetchedAt === 'number' && Math.abs(fetchedAt - Date.now() / 1000) < 60, String(fetchedAt));
      assert.equal(served.requests, before + 1);
      served.document = JSON.stringify(ordersDocument('2.0.0', 5));
      await api('GET', path(identifier, '/openapi'));
      await api('GET', '/admin/apis');
      assert.equal(served.requests, before + 1, 'reading the API does not fetch the document again');
      const refreshed = await expectOk<ApiView>(api('POST', path(identifier, '/openapi/refresh')), 200, 'api');
      assert.equal(refreshed.openapi?.version, '2.0.0');
      assert.equal(refreshed.openapi?.operations, 5);
      assert.equal(served.requests, before + 2);
      assert.equal(((await api('GET', path(identifier, '/openapi'))).body as { info: { version: string } }).info.version, '2.0.0');
      const [event] = (await auditEvents(api)).filter((entry) => entry.action === 'api.openapi_refreshed' && entry.target === identifier);
      assert.deepEqual(event?.details, { openapi: { source: 'url', url, title: 'Orders', version: '2.0.0', operations: 5 } });
      // A refresh that finds no valid document keeps the one stored.
      served.document = '{"openapi": "3.1.0"}';
      assertAdminError(
        await api('POST', path(identifier, '/openapi/refresh')),
        400,
        'invalid_request',
        /^http:\/\/127\.0\.0\.1:\d+\/openapi\.json is not a valid OpenAPI 3\.1\.0 document: at the top level: must have required property/,
      );
      assert.equal(((await api('GET', path(identifier, '/openapi'))).body as { info: { version: string } }).info.version, '2.0.0');
      const yaml = await expectOk<ApiView>(api('PATCH', path(identifier), { openapi_url: `${documentsBase}/openapi.yaml` }), 200, 'api');
      assert.equal(yaml.openapi?.title, 'Orders (YAML)');
    });

    test('what cannot be fetched is refused in words, beside openapi_url', async () => {
      const refused = async (url: string, description: RegExp) => {
        const answer = await api('POST', '/admin/apis', { identifier: 'https://refused.test', openapi_url: url });
        assertAdminError(answer, 400, 'invalid_request', description);
        assert.equal((answer.body as { field: string }).field, '/openapi_url');
      };
      await refused(
        'https://10.0.0.5/openapi.json',
        /could not be fetched: https:\/\/10\.0\.0\.5\/openapi\.json is at 10\.0\.0\.5, a private address \(RFC 1918\): refused$/,
      );
      await refused('https://169.254.169.254/latest/', /a link-local address: refused$/);
      await refused('https://[fd00::1]/openapi.json', /a unique local address \(RFC 4193\): refused$/);
      await refused('ftp://docs.example/openapi.json', /only https URLs are fetched$/);
      await refused(`${documentsBase}/big.json`, /big\.json is larger than 1 MiB, the limit$/);
      await refused(`${documentsBase}/page`, /answered text\/html, not application\/json, /);
      assert.equal(await registered('https://refused.test'), false, 'nothing was registered');
      const both = await api('POST', '/admin/apis', {
        identifier: 'https://refused.test',
        openapi: ordersDocument('1'),
        openapi_url: `${documentsBase}/openapi.json`,
      });
      assertAdminError(both, 400, 'invalid_request', /not both/);
    });

    test('an invalid, Swagger 2.0, unreadable or oversized document is refused with the reason, beside openapi', async () => {
      const refused = async (openapi: unknown, description: RegExp) => {
        const answer = await api('POST', '/admin/apis', { identifier: 'https://invalid.test', openapi });
        assertAdminError(answer, 400, 'invalid_request', description);
        assert.equal((answer.body as { field: string }).field, '/openapi');
      };
      await refused(
        { openapi: '3.1.0', paths: {} },
        /^the OpenAPI document is not a valid OpenAPI 3\.1\.0 document: at the top level: must have required property 'info'/,
      );
      await refused(
        { openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: 'none' } } } },
        /not a valid OpenAPI 3\.0\.3 document: at \/paths\/~1a\/get\/responses: must be object/,
      );
      await refused(
        { swagger: '2.0', info: { title: 'x', version: '1' }, paths: {} },
        /is a Swagger 2\.0 document; only OpenAPI 3\.0 and 3\.1 are taken: convert it first/,
      );
      await refused(
        { openapi: '3.2.0', info: { title: 'x', version: '1' }, paths: {} },
        /is OpenAPI "3\.2\.0"; only OpenAPI 3\.0\.x and 3\.1\.x documents are taken/,
      );
      await refused({ info: {} }, /has no "openapi" version/);
      await refused('{ "openapi": [', /is neither JSON nor YAML: /);
      await refused('just words', /is not an OpenAPI document/);
      const large = { ...ordersDocument('1'), info: { title: 'Large', version: '1', description: 'x'.repeat(1100 * 1024) } };
      await refused(large, /^the OpenAPI document is 1\d{3} KiB as JSON; an OpenAPI document may be at most 1024 KiB$/);
      const tooLargeForTheBody = await api('POST', '/admin/apis', { identifier: 'https://invalid.test', openapi: 'x'.repeat(2100 * 1024) });
      assertAdminError(tooLargeForTheBody, 413, 'invalid_request');
      assert.equal(await registered('https://invalid.test'), false, 'nothing was registered');
    });

    test('an uploaded document has no URL to refresh from; unknown APIs are 404', async () => {
      const identifier = 'https://orders.upload.test';
      assertAdminError(
        await api('POST', path(identifier, '/openapi/refresh')),
        409,
        'conflict',
        /has no OpenAPI document fetched from a URL/,
      );
      assertAdminError(await api('POST', path('https://unknown.test', '/openapi/refresh')), 404, 'not_found');
    });

    test("a tenant reads its own documents and the platform's, never another tenant's", async () => {
      const own = 'https://acme-orders.test';
      const platform = 'https://corpora.platform.test';
      await expectOk(acmeApi('POST', '/t/acme/admin/apis', { identifier: own, openapi: ordersDocument('3.0.0') }), 201, 'api');
      const platformApi = await expectOk<ApiView>(
        api('POST', '/admin/platform/apis', {
          identifier: platform,
          openapi: { ...ordersDocument('7.0.0'), info: { title: 'Corpora', version: '7.0.0' } },
        }),
        201,
        'api',
      );
      assert.equal(platformApi.openapi?.title, 'Corpora');
      const atPlatform = await api('GET', path(platform, '/openapi').replace('/admin/', '/admin/platform/'));
      assert.equal(atPlatform.status, 200, atPlatform.text);
      assert.equal((atPlatform.body as { info: { title: string } }).info.title, 'Corpora');
      assertAdminError(await api('POST', path(platform, '/openapi/refresh').replace('/admin/', '/admin/platform/')), 409, 'conflict');
      assert.equal(((await acmeApi('GET', `/t/acme${path(own, '/openapi')}`)).body as { info: { version: string } }).info.version, '3.0.0');
      assert.equal(
        ((await acmeApi('GET', `/t/acme${path(platform, '/openapi')}`)).body as { info: { title: string } }).info.title,
        'Corpora',
      );
      assertAdminError(await betaApi('GET', `/t/beta${path(own, '/openapi')}`), 404, 'not_found', /^no API/);
      assertAdminError(await betaApi('PATCH', `/t/beta${path(own)}`, { openapi: null }), 404, 'not_found');
      assertAdminError(await acmeApi('PATCH', `/t/acme${path(platform)}`, { openapi: null }), 404, 'not_found', /no API/);
      assertAdminError(await acmeApi('POST', `/t/acme${path(platform, '/openapi/refresh')}`), 404, 'not_found');
      // What the playground lists for a tenant: its own APIs and the platform's that carry a document.
      const listed = (await acme.management.apis.documentedApis()).map((entry) => [entry.identifier, entry.platform]);
      assert.deepEqual(listed, [
        [own, false],
        [platform, true],
      ]);
      assert.equal(JSON.parse(await acme.management.apis.openApiDocument(platform)).info.title, 'Corpora');
      const defaultTenant = (await server.server.gatehouse.management.apis.documentedApis()).map((entry) => entry.identifier);
      assert.ok(defaultTenant.includes(platform) && !defaultTenant.includes(own), defaultTenant.join(', '));
    });

    test('the CLI takes --openapi FILE|URL on apis create and update, --no-openapi, and apis refresh-openapi', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gatehouse-openapi-'));
      try {
        const file = join(dir, 'orders.yaml');
        await writeFile(file, ORDERS_YAML);
        const identifier = 'https://orders.cli.test';
        const created = await gatehouseJson<ApiView>(server.env, 'apis', 'create', '--identifier', identifier, '--openapi', file);
        assert.deepEqual(created.openapi, { source: 'upload', title: 'Orders (YAML)', version: '0.9.0', operations: 1 });
        served.document = JSON.stringify(ordersDocument('4.0.0', 2));
        const url = `${documentsBase}/openapi.json`;
        const fetched = await gatehouseJson<ApiView>(server.env, 'apis', 'update', identifier, '--openapi', url);
        assert.equal(fetched.openapi?.source, 'url');
        assert.equal(fetched.openapi?.url, url);
        served.document = JSON.stringify(ordersDocument('4.1.0', 2));
        const refreshed = await gatehouseJson<ApiView>(server.env, 'apis', 'refresh-openapi', identifier);
        assert.equal(refreshed.openapi?.version, '4.1.0');
        const text = await gatehouse(server.env, 'apis', 'list');
        assert.equal(text.code, 0, text.stderr);
        assert.match(
          text.stdout,
          new RegExp(`${identifier.replace(/\./g, '\\.')} .* Orders 4\\.1\\.0, 2 operations \\(from ${url.replace(/\./g, '\\.')}\\)`),
        );
        const removed = await gatehouseJson<ApiView>(server.env, 'apis', 'update', identifier, '--no-openapi');
        assert.equal(removed.openapi, null);
        const missing = await gatehouse(
          server.env,
          'apis',
          'create',
          '--identifier',
          'https://cli-missing.test',
          '--openapi',
          join(dir, 'nope.json'),
        );
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /--openapi: cannot read the file .*nope\.json \(ENOENT\)/);
        // Without the development switch, the CLI's fetcher refuses the loopback server as the server's would.
        const { GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: _on, ...production } = server.env;
        const loopback = await gatehouse(production, 'apis', 'create', '--identifier', 'https://cli-loopback.test', '--openapi', url);
        assert.equal(loopback.code, 1);
        assert.match(loopback.stderr, /could not be fetched: http:\/\/127\.0\.0\.1:\d+\/openapi\.json: only https URLs are fetched/);
        const https = url.replace('http:', 'https:');
        const loopbackTls = await gatehouse(production, 'apis', 'create', '--identifier', 'https://cli-loopback.test', '--openapi', https);
        assert.match(
          loopbackTls.stderr,
          /is at 127\.0\.0\.1, a loopback address: refused \(GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on allows loopback in development\)/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on is warned about at every start', () => {
  const cleanup: (() => Promise<void>)[] = [];
  let serve: ServeProcess | undefined;
  after(async () => {
    await serve?.stop();
    for (const step of cleanup.reverse()) await step();
  });

  test('gatehouse serve says it is for development only', async () => {
    const env = {
      ...(await freshStoreEnv({ name: 'sqlite' }, cleanup)),
      PORT: String(await freePort()),
      GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'on',
    };
    serve = await spawnServe(env, `http://127.0.0.1:${env.PORT}`);
    const running = serve;
    const output = await eventually(
      async () => running.output(),
      (text) => text.includes('GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH'),
    );
    assert.ok(output.includes(LOOPBACK_FETCH_WARNING), output);
    assert.match(output, /"level":40/, 'a warning');
  });
});
