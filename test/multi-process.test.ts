import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import { assertErrorPage, authorizePath, CHALLENGE, callback, signIn } from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { eventually, type ServeProcess, spawnServe } from './helpers/cli.js';
import { authorize, createAlice, REDIRECT_URI, refresh, tokensFor, webApp } from './helpers/code-flow.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, type Credentials, getWith, introspect, postForm, revoke } from './helpers/tokens.js';

const bodyOf = (answer: Answer) => answer.body as Record<string, unknown>;

/**
 * Two independent server processes on one store — as several instances behind a load balancer run on one
 * PostgreSQL (or one SQLite file on one host). What one changes, the other must honour at once: signing keys,
 * clients, revocations, and refresh-token reuse detection.
 */
for (const backend of backends()) {
  describe(`two server processes on one ${backend.name} store stay consistent`, () => {
    let a: TestServer;
    let b: TestServer;
    let other: ServeProcess;
    let admin: Credentials;

    before(async () => {
      a = await startTestServer(backend);
      const port = await freePort();
      // Same store, same master secret, same issuer; only the port differs.
      other = await spawnServe({ ...a.env, PORT: String(port) }, `http://127.0.0.1:${port}`);
      b = { ...a, url: other.url };
      await a.createRole('reader', ['demo:read']);
      admin = await a.createClient({ name: 'introspector', roles: ['reader'], introspection: true });
    });
    after(async () => {
      await other?.stop();
      await a?.close();
    });

    const tokenFrom = (server: TestServer, client: Credentials) =>
      postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, client);

    test('a key rotated by one process signs the next token of the other, and both publish it', async () => {
      const kid = (await a.server.gatehouse.keys.rotate(['ES256']))[0]!.kid;
      const answer = await eventually(
        () => tokenFrom(b, admin),
        (response) => response.status === 200 && decodeProtectedHeader(String(bodyOf(response).access_token)).kid === kid,
      );
      assert.equal(decodeProtectedHeader(String(bodyOf(answer).access_token)).kid, kid);
      const jwks = (await getWith(b, '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
      assert.ok(jwks.keys.some((key) => key.kid === kid));
      // A token the other process signed verifies here.
      assert.equal(bodyOf(await introspect(a, admin, String(bodyOf(answer).access_token))).active, true);
    });

    test('a client created by one process works at the other; revoked there, it is refused here', async () => {
      const app = await a.createClient({ name: 'shared', roles: ['reader'] });
      const first = await eventually(
        () => tokenFrom(b, app),
        (response) => response.status === 200,
      );
      assert.equal(first.status, 200);
      await a.server.gatehouse.management.clients.revokeClient(app.clientId, systemActor());
      const refused = await eventually(
        () => tokenFrom(b, app),
        (response) => response.status === 401,
      );
      assert.equal(bodyOf(refused).error, 'invalid_client');
      assert.deepEqual((await introspect(b, admin, String(bodyOf(first).access_token))).body, { active: false });
    });

    test('a token revoked at one process is inactive at the other and refused by its API', async () => {
      const issued = await tokenFrom(a, admin);
      const token = String(bodyOf(issued).access_token);
      assert.equal((await getWith(b, '/api/demo/items', `Bearer ${token}`)).status, 200);
      assert.equal((await revoke(b, admin, token)).status, 200);
      assert.deepEqual((await introspect(a, admin, token)).body, { active: false });
      assert.equal((await getWith(a, '/api/demo/items', `Bearer ${token}`)).status, 401);
    });

    test('refresh-token reuse is detected across processes and revokes the family everywhere', async () => {
      await createAlice(a);
      const app = await webApp(a, 'Cross-process app');
      const flow = await authorize(a, { clientId: app.clientId, scope: 'openid offline' });
      const tokens = await tokensFor(a, app, flow);
      const rotated = await refresh(b, app, tokens.refresh_token!);
      assert.equal(rotated.status, 200);
      // The successor used at the first process, so the old token can no longer pass for a retry.
      const newest = await refresh(a, app, String(bodyOf(rotated).refresh_token));
      assert.equal(newest.status, 200);
      // The old refresh token, presented again at the second process: reuse.
      const reused = await refresh(b, app, tokens.refresh_token!);
      assert.equal(reused.status, 400);
      assert.equal(bodyOf(reused).error, 'invalid_grant');
      assert.equal(bodyOf(await refresh(a, app, String(bodyOf(newest).refresh_token))).error, 'invalid_grant');
      assert.deepEqual((await introspect(a, admin, String(bodyOf(newest).access_token))).body, { active: false });
      assert.deepEqual((await introspect(b, admin, String(bodyOf(rotated).access_token))).body, { active: false });
      assert.deepEqual((await introspect(a, admin, tokens.access_token)).body, { active: false });
    });

    test('an authorization started at one process is signed in at the other and answered once across both', async () => {
      await a.server.gatehouse.management.users.createUser({ username: 'bob', password: 'bob horse battery' });
      const app = await webApp(a, 'Cross-process sign-in');
      // One browser; the load balancer sends each of its requests to either process.
      const atA = new TestBrowser(a.url);
      const atB = atA.at(b.url);
      const params = {
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        state: 's',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      };
      const login = location(await atA.get(authorizePath(params)));
      const consent = location(await signIn(atB, login, 'bob', 'bob horse battery'));
      assert.match(consent, /^\/consent\?interaction=/);
      const fields = { ...hiddenFields(await (await atA.get(consent)).text(), '/consent'), decision: 'allow' };
      const replay = new TestBrowser(b.url, new Map(atA.cookieNames().map((name) => [name, atA.cookie(name)!])));
      assert.match(callback(await atA.post('/consent', fields), REDIRECT_URI, 303).code!, /^gate_ac_/);
      await assertErrorPage(await replay.post('/consent', fields), 400, 'invalid_request');
    });
  });
}
