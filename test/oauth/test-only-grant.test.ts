import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { type AdminApi, adminApi, adminMachine } from '../helpers/admin.js';
import { backends } from '../helpers/backends.js';
import { rawRequest } from '../helpers/raw-socket.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, type Credentials, postForm } from '../helpers/tokens.js';
import { ECHO_GRANT, ECHO_HEADER, type Echo, echoGrant } from './echo-grant.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A token request by node:http, which (unlike fetch) sends the Host header it is given. */
function tokenRequest(server: TestServer, path: string, credentials: Credentials, headers: Record<string, string>): Promise<Reply> {
  const body = new URLSearchParams({ grant_type: ECHO_GRANT }).toString();
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(credentials), ...headers },
    });
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Issue 10: a new grant is one module and one registration line; everything else follows from the registry. */
for (const backend of backends()) {
  describe(`a test-only grant registered with one line (${backend.name})`, () => {
    let server: TestServer;
    let admin: AdminApi;

    before(async () => {
      server = await startTestServer(backend, {}, { grants: [echoGrant] });
      admin = adminApi(server, (await adminMachine(server, 'grant admin')).token);
    });
    after(() => server?.close());

    test('discovery lists it beside the built-in grants', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const metadata = (await (await fetch(`${server.url}${path}`)).json()) as { grant_types_supported: string[] };
        assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials', ECHO_GRANT], path);
      }
    });

    test('the admin API allows it to a client; its handler sees the request and its extra members reach the wire', async () => {
      const created = await admin('POST', '/admin/clients', { name: 'Echo client', grant_types: [ECHO_GRANT] });
      assert.equal(created.status, 201, created.text);
      const { client, client_secret } = created.body as { client: { client_id: string; grant_types: string[] }; client_secret: string };
      assert.deepEqual(client.grant_types, [ECHO_GRANT]);
      const stored = await server.server.gatehouse.management.clients.getClient(client.client_id);
      assert.deepEqual(stored.grant_types, [ECHO_GRANT]);

      // The URL is the configured issuer's, whatever Host the request claims; the query is the one sent.
      const reply = await tokenRequest(
        server,
        '/oauth2/token?trace=on',
        { clientId: client.client_id, clientSecret: client_secret },
        {
          host: 'attacker.example',
          [ECHO_HEADER]: 'Hello, grant',
        },
      );
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.deepEqual(Object.keys(reply.body).sort(), ['access_token', 'echo', 'expires_in', 'issued_token_type', 'token_type']);
      assert.equal(reply.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
      const url = `${server.issuer}/oauth2/token?trace=on`;
      const echo: Echo = { method: 'POST', url, header: 'Hello, grant', client_auth_method: 'client_secret_basic' };
      assert.deepEqual(reply.body.echo, echo);
      const claims = decodeJwt(reply.body.access_token as string);
      const { client_id } = client;
      const expected = [server.issuer, client_id, client_id, `${server.issuer}/api`];
      assert.deepEqual([claims.iss, claims.sub, claims.client_id, claims.aud], expected);
    });

    test("an absolute-form request target gives the handler the issuer's origin, not the one it names", async () => {
      const created = await admin('POST', '/admin/clients', { name: 'Echo client 2', grant_types: [ECHO_GRANT] });
      const { client, client_secret } = created.body as { client: { client_id: string }; client_secret: string };
      const body = new URLSearchParams({ grant_type: ECHO_GRANT }).toString();
      const raw = await rawRequest(
        Number(new URL(server.url).port),
        `POST http://attacker.example/oauth2/token?trace=on HTTP/1.1\r\nHost: attacker.example\r\n` +
          `Authorization: ${basicAuth({ clientId: client.client_id, clientSecret: client_secret })}\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      assert.match(raw, /^HTTP\/1\.1 200 /, raw);
      const answer = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { echo: Echo };
      assert.equal(answer.echo.url, `${server.issuer}/oauth2/token?trace=on`);
    });

    test('a client not allowed it is refused with unauthorized_client', async () => {
      const machine = await server.createClient({ name: 'Machine' });
      const answer = await postForm(server, '/oauth2/token', { grant_type: ECHO_GRANT }, machine);
      assert.equal(answer.status, 400, answer.text);
      const description = `the client is not allowed the ${ECHO_GRANT} grant`;
      assert.deepEqual(answer.body, { error: 'unauthorized_client', error_description: description });
      assert.equal(answer.headers.get('cache-control'), 'no-store');
    });

    test('the OpenAPI document names it in grant_type', async () => {
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
      const form = doc.paths['/oauth2/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
      assert.match(form.properties.grant_type.description, new RegExp(`\\b${ECHO_GRANT}\\b`));
    });
  });
}
