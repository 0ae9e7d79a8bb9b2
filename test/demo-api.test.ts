import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../src/admin/audit-log.js';
import { backends } from './helpers/backends.js';
import { eventually } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';
import { type Answer, type Credentials, getWith, postForm, tamper, tokenFor } from './helpers/tokens.js';

const REALM = 'Bearer realm="gatehouse-demo"';
const ITEMS = {
  items: [
    { id: 1, name: 'Gate key' },
    { id: 2, name: 'Visitor badge' },
    { id: 3, name: 'Lantern' },
  ],
};
const OTHER_API = 'https://orders.example.com';

/** RFC 6750 §3: the challenge and the JSON body carry the same error code and description. */
function assertChallenge(answer: Answer, status: number, error: string, description: string, extra = ''): void {
  assert.equal(answer.status, status);
  const quoted = description.replace(/[\\"]/g, '\\$&');
  assert.equal(answer.headers.get('www-authenticate'), `${REALM}, error="${error}", error_description="${quoted}"${extra}`);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.deepEqual(answer.body, { error, error_description: description });
}

for (const backend of backends()) {
  describe(`demo protected API (RFC 6750) (${backend.name})`, () => {
    let server: TestServer;
    let reader: Credentials;
    let other: Credentials;
    const get = (path: string, authorization?: string) => getWith(server, path, authorization);

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read']);
      await server.createRole('orders', ['orders:read']);
      reader = await server.createClient({ name: 'Reader', roles: ['reader'] });
      other = await server.createClient({ name: 'Orders', roles: ['orders'] });
      await server.server.gatehouse.management.apis.createApi(
        { identifier: OTHER_API, name: 'Orders', scopes: ['demo:read'] },
        systemActor(),
      );
    });
    after(() => server.close());

    test('no Authorization header: 401 with a bare Bearer challenge and no error attribute', async () => {
      for (const path of ['/api/demo/whoami', '/api/demo/items']) {
        const answer = await get(path);
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.get('www-authenticate'), REALM);
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        // RFC 6750 §3.1: no error code when the request carried no token.
        assert.deepEqual(answer.body, { message: 'an access token is required' });
      }
    });

    test('a token that is not one: 401 invalid_token', async () => {
      assertChallenge(await get('/api/demo/whoami', 'Bearer not-a-token'), 401, 'invalid_token', 'the token is malformed');
      assertChallenge(await get('/api/demo/items', 'Bearer a.b.c'), 401, 'invalid_token', 'the token is malformed');
    });

    test('a forged token: 401 invalid_token', async () => {
      const forged = tamper(await tokenFor(server, other), { scope: 'demo:read' });
      assertChallenge(await get('/api/demo/items', `Bearer ${forged}`), 401, 'invalid_token', 'the token signature is invalid');
    });

    test('an expired token: 401 invalid_token', async () => {
      const { token } = await server.server.gatehouse.accessTokens.issue({
        subject: reader.clientId,
        clientId: reader.clientId,
        audience: `${server.issuer}/api`,
        scopes: ['demo:read'],
        ttl: -60,
      });
      assertChallenge(await get('/api/demo/items', `Bearer ${token}`), 401, 'invalid_token', 'the token has expired');
    });

    for (const header of ['Basic eHh4Onl5eQ==', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', '']) {
      test(`a malformed Authorization header (${JSON.stringify(header)}): 400 invalid_request`, async () => {
        assertChallenge(
          await get('/api/demo/whoami', header),
          400,
          'invalid_request',
          'the Authorization header must use the Bearer scheme with one token',
        );
      });
    }

    test('a bearer token with characters outside b64token: 400 invalid_request', async () => {
      const answer = await get('/api/demo/whoami', 'Bearer abc$def');
      assertChallenge(answer, 400, 'invalid_request', 'the bearer token has characters RFC 6750 does not allow');
    });

    test('a token without demo:read on /api/demo/items: 403 insufficient_scope naming the scope', async () => {
      const token = await tokenFor(server, other);
      const answer = await get('/api/demo/items', `Bearer ${token}`);
      assertChallenge(answer, 403, 'insufficient_scope', 'the token lacks a required scope: demo:read', ', scope="demo:read"');
    });

    test('a token with demo:read gets the items; the scheme name is case-insensitive', async () => {
      const token = await tokenFor(server, reader);
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const answer = await get('/api/demo/items', `${scheme} ${token}`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, ITEMS);
        assert.equal(answer.headers.get('www-authenticate'), null);
      }
    });

    test('whoami returns exactly sub, client_id, scope and tenant, for any valid token', async () => {
      for (const client of [reader, other]) {
        const answer = await get('/api/demo/whoami', `Bearer ${await tokenFor(server, client)}`);
        assert.equal(answer.status, 200);
        const scope = client === reader ? 'demo:read' : 'orders:read';
        assert.deepEqual(answer.body, { sub: client.clientId, client_id: client.clientId, scope, tenant: 'default' });
      }
      const bare = await server.createClient({ name: 'No scopes' });
      const answer = await get('/api/demo/whoami', `Bearer ${await tokenFor(server, bare)}`);
      assert.deepEqual(answer.body, { sub: bare.clientId, client_id: bare.clientId, scope: '', tenant: 'default' });
    });

    test('a token for another API is refused even with demo:read', async () => {
      const token = await tokenFor(server, reader, { resource: OTHER_API });
      assertChallenge(await get('/api/demo/items', `Bearer ${token}`), 401, 'invalid_token', "the token's aud claim is not accepted");
      assertChallenge(await get('/api/demo/whoami', `Bearer ${token}`), 401, 'invalid_token', "the token's aud claim is not accepted");
    });

    test('the tokens of a revoked client are refused at once', async () => {
      const doomed = await server.createClient({ name: 'Doomed', roles: ['reader'] });
      const token = await tokenFor(server, doomed);
      assert.equal((await get('/api/demo/items', `Bearer ${token}`)).status, 200);
      await server.server.gatehouse.management.clients.revokeClient(doomed.clientId, systemActor());
      assertChallenge(await get('/api/demo/items', `Bearer ${token}`), 401, 'invalid_token', 'the token has been revoked');
    });

    test("the platform's API takes every active tenant's tokens, each by its own tenant's keys and rules", async () => {
      const [acme] = await createTenants(server, 'acme', 'beta');
      const role = await acme!.management.roles.createRole({ name: 'acme-reader', scopes: ['demo:read'] }, systemActor());
      const { client, clientSecret } = await acme!.management.clients.createClient({ name: 'acme app', roles: [role.name] }, systemActor());
      const credentials = { clientId: client.client_id, clientSecret: clientSecret! };
      const issued = await postForm(server, '/t/acme/oauth2/token', { grant_type: 'client_credentials' }, credentials);
      const token = (issued.body as { access_token: string }).access_token;
      assert.equal((await get('/api/demo/items', `Bearer ${token}`)).status, 200);
      assert.deepEqual((await get('/api/demo/whoami', `Bearer ${token}`)).body, {
        sub: client.client_id,
        client_id: client.client_id,
        scope: 'demo:read',
        tenant: 'acme',
      });
      // Claiming another tenant's issuer does not borrow its keys: beta's rules refuse acme's signature.
      const claimed = tamper(token, { iss: `${server.issuer}/t/beta`, aud: `${server.issuer}/t/beta/api` });
      assert.equal((await get('/api/demo/items', `Bearer ${claimed}`)).status, 401);
      const unknown = tamper(token, { iss: `${server.issuer}/t/nobody` });
      assertChallenge(
        await get('/api/demo/items', `Bearer ${unknown}`),
        401,
        'invalid_token',
        'the token was not issued by any tenant of this server',
      );
      await server.server.gatehouse.platform.tenants.suspend('acme', systemActor());
      await eventually(
        () => get('/api/demo/items', `Bearer ${token}`),
        (answer) => answer.status === 401,
      );
      assertChallenge(await get('/api/demo/items', `Bearer ${token}`), 401, 'invalid_token', "the token's tenant is suspended");
    });

    test('HEAD is protected like GET', async () => {
      const response = await fetch(`${server.url}/api/demo/items`, { method: 'HEAD' });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), REALM);
    });
  });
}
