import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { ClientView } from '../src/admin/views.js';
import { type AdminApi, adminApi, adminMachine, assertAdminError, auditEvents, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { getWith } from './helpers/tokens.js';

/** A refusal naming its field: the whole body, so that nothing else (a validator's own wording) slips in. */
async function assertFieldError(call: Promise<Awaited<ReturnType<AdminApi>>>, field: string, description: string, status = 400) {
  const answer = await call;
  assertAdminError(answer, status, status === 409 ? 'conflict' : 'invalid_request');
  assert.deepEqual(answer.body, { error: status === 409 ? 'conflict' : 'invalid_request', error_description: description, field });
}

for (const backend of backends()) {
  describe(`admin API errors name the field and the rule in words (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;

    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
      await server.createRole('demo-reader', ['demo:read']);
    });
    after(() => server?.close());

    test('each schema keyword, as "<field>: <rule>" with the field as a JSON pointer', async () => {
      const client = (body: unknown) => api('POST', '/admin/clients', body);
      await assertFieldError(
        api('POST', '/admin/roles', { name: 'r', scopes: ['ok', 'two words'] }),
        '/scopes/1',
        'scopes[1]: must be a scope: printable ASCII characters other than space, " and \\ (RFC 6749 §3.3)',
      );
      await assertFieldError(client({ name: 'x'.repeat(201) }), '/name', 'name: must be at most 200 characters');
      await assertFieldError(client({ name: '' }), '/name', 'name: must not be empty');
      await assertFieldError(client({ description: 'no name' }), '/name', 'name: is required');
      await assertFieldError(client({ name: 'Typo', rolez: [] }), '/rolez', 'rolez: is not a field of this request');
      await assertFieldError(
        client({ name: 'Alg', id_token_signed_response_alg: 'HS256' }),
        '/id_token_signed_response_alg',
        'id_token_signed_response_alg: must be one of "RS256", "ES256"',
      );
      await assertFieldError(
        client({ name: 'Ttl', access_token_ttl: 'long' }),
        '/access_token_ttl',
        'access_token_ttl: must be a whole number',
      );
      await assertFieldError(client({ name: 'Ttl', access_token_ttl: 10 }), '/access_token_ttl', 'access_token_ttl: must be at least 60');
      const many = Array.from({ length: 51 }, (_, index) => `https://app.example/cb${index}`);
      await assertFieldError(client({ name: 'Many', redirect_uris: many }), '/redirect_uris', 'redirect_uris: must have at most 50 items');
      await assertFieldError(
        client({ name: 'Long', redirect_uris: ['https://app.example/cb', `https://app.example/${'x'.repeat(2000)}`] }),
        '/redirect_uris/1',
        'redirect_uris[1]: must be at most 2000 characters',
      );
      const { client_id: id } = await expectOk<ClientView>(client({ name: 'Target' }), 201, 'client');
      await assertFieldError(api('PATCH', `/admin/clients/${id}`, {}), '', 'the request body: must have at least 1 field');
      await assertFieldError(api('GET', '/admin/audit?limit=0'), '/limit', 'query parameter limit: must be at least 1');
      await assertFieldError(
        api('PATCH', '/admin/tenants/default', { settings: { primary_color: 'blue' } }),
        '/settings/primary_color',
        'settings.primary_color: must be a colour written as # and six hex digits, e.g. #1a73e8',
      );
    });

    test("the domain's refusals name their field too: redirect URIs by position, roles, scopes, names", async () => {
      const client = (body: unknown) => api('POST', '/admin/clients', body);
      const web = { name: 'Web', public: true, grant_types: ['authorization_code'] };
      await assertFieldError(
        client({ ...web, redirect_uris: ['localhost:3000/callback'] }),
        '/redirect_uris/0',
        'redirect URI "localhost:3000/callback" has no scheme: did you mean "http://localhost:3000/callback"?',
      );
      await assertFieldError(
        client({ ...web, redirect_uris: ['https://app.example/cb', 'http://app.example/cb'] }),
        '/redirect_uris/1',
        'redirect URI "http://app.example/cb" must use https (http is allowed only for localhost and loopback IPs)',
      );
      await assertFieldError(
        client({ ...web, redirect_uris: [] }),
        '/redirect_uris',
        'a client using authorization_code needs at least one redirect URI',
      );
      await assertFieldError(client({ name: 'Roles', roles: ['nobody'] }), '/roles', 'unknown role: nobody (create it first)');
      await assertFieldError(client({ name: 'Scope', scope: 'ok "quoted"' }), '/scope', '""quoted"" is not a valid scope (RFC 6749 §3.3)');
      await assertFieldError(client({ name: '   ' }), '/name', 'a client needs a name of 1-200 characters');
      await assertFieldError(
        api('POST', '/admin/roles', { name: 'has space', scopes: [] }),
        '/name',
        'a role name is 1-64 letters, digits, ".", "_", ":" or "-"',
      );
      await assertFieldError(
        api('POST', '/admin/roles', { name: 'demo-reader', scopes: [] }),
        '/name',
        'role "demo-reader" exists already',
        409,
      );
    });
  });

  describe(`a test token for a machine client, from the admin API (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    let machine: ClientView;

    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
      await server.createRole('demo-reader', ['demo:read']);
      machine = await expectOk<ClientView>(api('POST', '/admin/clients', { name: 'Reports', roles: ['demo-reader'] }), 201, 'client');
    });
    after(() => server?.close());

    test('issued as the token endpoint would: its scopes, the default API, its lifetime; it works at the demo API', async () => {
      const answer = await api('POST', `/admin/clients/${machine.client_id}/test-token`);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const body = answer.body as {
        access_token: string;
        token_type: string;
        expires_in: number;
        scope: string;
        claims: Record<string, unknown>;
      };
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.scope, 'demo:read');
      assert.equal(body.expires_in, server.config.accessTokenTtl);
      const claims = decodeJwt(body.access_token);
      assert.deepEqual(body.claims, claims);
      assert.equal(claims.sub, machine.client_id);
      assert.equal(claims.client_id, machine.client_id);
      assert.equal(claims.aud, server.config.defaultAudience);
      assert.equal(claims.iss, server.issuer);
      assert.equal(claims.scope, 'demo:read');
      assert.equal(claims.exp! - claims.iat!, server.config.accessTokenTtl);
      const items = await getWith(server, '/api/demo/items', `Bearer ${body.access_token}`);
      assert.equal(items.status, 200, items.text);
      assert.equal((items.body as { items: unknown[] }).items.length, 3);

      const event = (await auditEvents(api)).find((e) => e.action === 'client.test_token_issued');
      assert.ok(event, 'the test token is audited');
      assert.equal(event.target, machine.client_id);
      assert.deepEqual(event.details, { jti: claims.jti, scope: 'demo:read', aud: server.config.defaultAudience, exp: claims.exp });
      assert.ok(!JSON.stringify(event).includes(body.access_token.split('.')[2]!), 'the audit log never holds the token');
    });

    test('the scope asked for (none: all it may have); one the client may not have names the scope field', async () => {
      for (const scope of ['', 'demo:read']) {
        const asked = await api('POST', `/admin/clients/${machine.client_id}/test-token`, { scope });
        assert.equal(asked.status, 200, asked.text);
        assert.equal((asked.body as { scope: string }).scope, 'demo:read');
      }
      await assertFieldError(
        api('POST', `/admin/clients/${machine.client_id}/test-token`, { scope: 'orders:write' }),
        '/scope',
        'the client may not request: orders:write',
      );
      await assertFieldError(
        api('POST', `/admin/clients/${machine.client_id}/test-token`, { resource: 'https://unknown.example' }),
        '/resource',
        'the resource parameter names no registered API',
      );
    });

    test('refused for a client without client_credentials and for a revoked one', async () => {
      const web = await expectOk<ClientView>(
        api('POST', '/admin/clients', { name: 'Web', public: true, redirect_uris: ['http://localhost:3000/callback'] }),
        201,
        'client',
      );
      assertAdminError(
        await api('POST', `/admin/clients/${web.client_id}/test-token`),
        409,
        'conflict',
        /^only a machine client \(one allowed the client_credentials grant\) gets a test token$/,
      );
      await api('POST', `/admin/clients/${machine.client_id}/revoke`);
      assertAdminError(await api('POST', `/admin/clients/${machine.client_id}/test-token`), 409, 'conflict', /^the client is revoked$/);
      assertAdminError(await api('POST', '/admin/clients/nope/test-token'), 404, 'not_found', /nope/);
    });
  });
}
