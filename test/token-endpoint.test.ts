import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, type TestContext, test } from 'node:test';
import { decodeJwt, type JWTPayload } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { ClientRepository } from '../src/store/clients.js';
import { RoleRepository } from '../src/store/roles.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type HeaderMap = Record<string, string>;
interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
  /** Whether the request carried an Authorization header (then a 401 must carry the Basic challenge). */
  sentAuthorization: boolean;
}

const FORM: HeaderMap = { 'content-type': 'application/x-www-form-urlencoded' };
const ORDERS = 'https://orders.example.com';
// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`, ASCII only).
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;
const STACK_TRACE = /\n\s+at |\bat .*:\d+:\d+|node_modules|\/src\//;

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
/** RFC 6749 §2.3.1: each part form-encoded, joined by ":", base64. */
const basic = (id: string, secret: string, encode: (value: string) => string = encodeURIComponent) =>
  `Basic ${b64(`${encode(id)}:${encode(secret)}`)}`;
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const CC = form({ grant_type: 'client_credentials' });
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** One subtest per case, so that every case is reported on its own. */
async function eachCase<T>(t: TestContext, cases: readonly (readonly [string, T])[], check: (value: T) => Promise<void>) {
  for (const [name, value] of cases) await t.test(name, () => check(value));
}

function assertError(reply: Reply, status: number, error: string): void {
  const where = `${status} ${error}, got ${reply.status} ${reply.text}`;
  assert.equal(reply.status, status, where);
  assert.deepEqual(Object.keys(reply.json).sort(), ['error', 'error_description'], where);
  assert.equal(reply.json.error, error, where);
  assert.equal(typeof reply.json.error_description, 'string', where);
  assert.match(
    reply.json.error_description as string,
    DESCRIPTION_CHARS,
    `error_description outside the RFC 6749 §5.2 charset: ${reply.text}`,
  );
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(reply.headers.get('cache-control'), 'no-store', where);
  // RFC 6749 §5.2: the challenge only for a client that tried the Authorization header, never to trigger a
  // browser's sign-in prompt for a secret sent in the body.
  if (status === 401 && reply.sentAuthorization) assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+"/, where);
  else assert.equal(reply.headers.get('www-authenticate'), null, where);
}

/** A successful RFC 6749 §5.1 response: only these members, not cacheable; returns the JWT's claims. */
function assertToken(reply: Reply, scope?: string): JWTPayload {
  assert.equal(reply.status, 200, reply.text);
  const members = Object.keys(reply.json).sort();
  assert.deepEqual(
    members.filter((key) => key !== 'scope'),
    ['access_token', 'expires_in', 'token_type'],
  );
  assert.equal(reply.json.token_type, 'Bearer');
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  assert.equal(reply.headers.get('pragma'), 'no-cache');
  if (scope !== undefined) assert.deepEqual((reply.json.scope as string).split(' ').sort(), scope.split(' ').sort());
  const claims = decodeJwt(reply.json.access_token as string);
  assert.equal(claims.scope, reply.json.scope);
  assert.equal(claims.exp! - claims.iat!, reply.json.expires_in);
  return claims;
}

for (const backend of backends()) {
  describe(`token endpoint errors, scopes and audiences (${backend.name})`, () => {
    let server: TestServer;
    let clientId: string;
    let secret: string;
    let auth: HeaderMap;

    async function send(method: string, path: string, body?: string | Uint8Array, headers: HeaderMap = FORM): Promise<Reply> {
      const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      assert.ok(response.status < 500, `${method} ${path} answered ${response.status}: ${text}`);
      assert.doesNotMatch(text, STACK_TRACE, `the response leaks internals: ${text}`);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        assert.fail(`not JSON (${response.status}): ${text}`);
      }
      return { status: response.status, headers: response.headers, text, json, sentAuthorization: headers.authorization !== undefined };
    }
    const postToken = (body?: string | Uint8Array, headers: HeaderMap = auth, path = '/oauth2/token') => send('POST', path, body, headers);
    const withBasic = (id: string, clientSecret: string): HeaderMap => ({ ...FORM, authorization: basic(id, clientSecret) });
    /** A confidential client written straight to the store, for ids, secrets and grants the management API won't make. */
    async function storeClient(id: string, clientSecret: string, grantTypes: string[]) {
      await new ClientRepository(server.server.gatehouse.store, DEFAULT_TENANT).create({
        clientId: id,
        name: 'stored client',
        description: '',
        roles: ['reader'],
        scopes: [],
        grantTypes,
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: [],
        accessTokenTtl: null,
        secretHash: sha256Hex(clientSecret),
      });
    }

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read', 'orders:read']);
      ({ clientId, clientSecret: secret } = await server.createClient({ name: 'Main', roles: ['reader'] }));
      auth = withBasic(clientId, secret);
      await server.server.gatehouse.management.apis.createApi(
        { identifier: ORDERS, name: 'Orders', scopes: ['orders:read'] },
        systemActor(),
      );
    });
    after(() => server.close());

    test('the token response has only access_token, token_type, expires_in and scope, and is not cacheable', async () => {
      const claims = assertToken(await postToken(CC), 'demo:read orders:read');
      assert.equal(claims.sub, clientId);
      assert.equal(claims.aud, `${server.issuer}/api`);
      assert.equal(claims.exp! - claims.iat!, 1800);
    });

    test('invalid_client: unknown client, wrong secret and revoked client get one identical 401, by Basic and by post', async () => {
      const revoked = await server.createClient({ name: 'Revoked', roles: ['reader'] });
      assertToken(await postToken(CC, withBasic(revoked.clientId, revoked.clientSecret)), 'demo:read orders:read');
      await server.server.gatehouse.management.clients.revokeClient(revoked.clientId, systemActor());
      const attempts: [string, HeaderMap][] = [
        [CC, withBasic(randomUUID(), secret)],
        [CC, withBasic(clientId, `${secret}x`)],
        [CC, withBasic(revoked.clientId, revoked.clientSecret)],
        [form({ grant_type: 'client_credentials', client_id: randomUUID(), client_secret: secret }), FORM],
        [form({ grant_type: 'client_credentials', client_id: clientId, client_secret: `${secret}x` }), FORM],
        [form({ grant_type: 'client_credentials', client_id: revoked.clientId, client_secret: revoked.clientSecret }), FORM],
        // A confidential client that presents no secret at all.
        [form({ grant_type: 'client_credentials', client_id: clientId }), FORM],
      ];
      const replies = await Promise.all(attempts.map(([body, headers]) => postToken(body, headers)));
      for (const reply of replies) {
        assertError(reply, 401, 'invalid_client');
        assert.equal(reply.text, replies[0]!.text, 'unknown, wrong-secret and revoked clients must be indistinguishable');
      }
      assertError(await postToken(CC, FORM), 401, 'invalid_client');
    });

    test('a failed client authentication sends the Basic challenge only to a client that used the Authorization header (RFC 6749 §5.2)', async () => {
      const challenge = 'Basic realm="gatehouse", charset="UTF-8"';
      const challenged: [string, HeaderMap][] = [
        ['wrong secret by Basic', withBasic(clientId, `${secret}x`)],
        ['unknown client by Basic', withBasic(randomUUID(), secret)],
        ['malformed Basic', { ...FORM, authorization: 'Basic !!!' }],
      ];
      for (const [name, headers] of challenged) {
        const reply = await postToken(CC, headers);
        assertError(reply, 401, 'invalid_client');
        assert.equal(reply.headers.get('www-authenticate'), challenge, name);
      }
      const unchallenged: [string, string][] = [
        ['wrong secret in the body', form({ grant_type: 'client_credentials', client_id: clientId, client_secret: `${secret}x` })],
        ['unknown client in the body', form({ grant_type: 'client_credentials', client_id: randomUUID(), client_secret: secret })],
        ['confidential client without a secret', form({ grant_type: 'client_credentials', client_id: clientId })],
        ['no client authentication', CC],
      ];
      for (const [name, body] of unchallenged) {
        const reply = await postToken(body, FORM);
        assert.equal(reply.status, 401, name);
        assert.equal(reply.json.error, 'invalid_client', name);
        assert.equal(reply.headers.get('www-authenticate'), null, `${name}: a browser would show its sign-in prompt`);
      }
    });

    test('HTTP Basic credentials are form-encoded (RFC 6749 §2.3.1)', async () => {
      const id = `app ${randomUUID()}:ü+%/&=`;
      const clientSecret = 'se cret:with+plus%25 and ü';
      await storeClient(id, clientSecret, ['client_credentials']);
      assertToken(await postToken(CC, { ...FORM, authorization: basic(id, clientSecret) }), 'demo:read orders:read');
      const formEncode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
      assertToken(await postToken(CC, { ...FORM, authorization: basic(id, clientSecret, formEncode) }), 'demo:read orders:read');
      assertToken(await postToken(CC, { ...FORM, authorization: auth.authorization!.replace('Basic', 'basic') }));
    });

    test('a malformed Authorization header is invalid_client', async (t) => {
      const malformed = [
        ['not base64', 'Basic !!!not-base64!!!'],
        ['no colon', `Basic ${b64(`${clientId}${secret}`)}`],
        ['empty client_id', `Basic ${b64(`:${secret}`)}`],
        ['empty secret', `Basic ${b64(`${clientId}:`)}`],
        ['bad form-encoding', `Basic ${b64(`%ZZ:${secret}`)}`],
        ['no credentials', 'Basic'],
        ['another scheme', `Bearer ${secret}`],
      ] as const;
      await eachCase(t, malformed, async (authorization) =>
        assertError(await postToken(CC, { ...FORM, authorization }), 401, 'invalid_client'),
      );
    });

    test('an unknown grant_type is unsupported_grant_type; a missing one is invalid_request', async (t) => {
      const grants = ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:example:custom', 'é'].map(
        (grant) => [grant, grant] as const,
      );
      await eachCase(t, grants, async (grant) => assertError(await postToken(form({ grant_type: grant })), 400, 'unsupported_grant_type'));
      await t.test('missing', async () => assertError(await postToken(form({ scope: 'demo:read' })), 400, 'invalid_request'));
    });

    test('a client not registered for the grant gets unauthorized_client', async () => {
      const id = randomUUID();
      await storeClient(id, 'web-app-secret', ['authorization_code']);
      assertError(await postToken(CC, withBasic(id, 'web-app-secret')), 400, 'unauthorized_client');
      // Authentication still comes first: a wrong secret is invalid_client, not unauthorized_client.
      assertError(await postToken(CC, withBasic(id, 'wrong')), 401, 'invalid_client');
    });

    test('malformed requests are invalid_request (RFC 6749 §3.2, §2.3.1, §5.2)', async (t) => {
      const post = form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
      const cases: [string, string | Uint8Array | undefined, HeaderMap, (string | undefined)?][] = [
        ['grant_type twice', `${CC}&${CC}`, auth],
        ['scope twice', `${CC}&scope=demo%3Aread&scope=orders%3Aread`, auth],
        ['client_id twice', `${post}&client_id=${clientId}`, FORM],
        ['Basic and client_secret', `${CC}&client_secret=${secret}`, auth],
        ['client_id differs from Basic', `${CC}&client_id=${randomUUID()}`, auth],
        ['client_secret in the query', CC, auth, `/oauth2/token?client_secret=${secret}`],
        ['client_secret_post in the query', '', FORM, `/oauth2/token?${post}`],
        ['a JSON body', JSON.stringify({ grant_type: 'client_credentials' }), { ...auth, 'content-type': 'application/json' }],
        ['a text/plain body', CC, { ...auth, 'content-type': 'text/plain' }],
        ['a body without content-type', new TextEncoder().encode(CC), { authorization: auth.authorization! }],
        ['no body at all', undefined, { authorization: auth.authorization! }],
        ['an empty form', '', auth],
        ['malformed percent-encoding', `${CC}&scope=%ZZ`, auth],
        ['a truncated percent-escape', `${CC}&scope=demo%3`, auth],
        ['percent-encoded invalid UTF-8', `${CC}&scope=%C3%28`, auth],
        ['raw invalid UTF-8 bytes', Buffer.concat([Buffer.from(`${CC}&scope=`), Buffer.from([0xff, 0xfe])]), auth],
        ['an over-long parameter', `${CC}&scope=${'a'.repeat(5000)}`, auth],
      ];
      await eachCase(
        t,
        cases.map(([name, ...request]) => [name, request] as const),
        async ([body, headers, path]) => assertError(await postToken(body, headers, path), 400, 'invalid_request'),
      );
    });

    test('only POST: other methods are 405 with Allow: POST', async () => {
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
        const reply = await send(method, `/oauth2/token?${CC}`, method === 'GET' ? undefined : CC, auth);
        assertError(reply, 405, 'invalid_request');
        assert.equal(reply.headers.get('allow'), 'POST');
      }
    });

    test('a body over the limit is 413 with an OAuth error', async () => {
      assertError(await postToken(`${CC}&scope=${'x'.repeat(100 * 1024)}`), 413, 'invalid_request');
      assertError(
        await postToken(JSON.stringify({ pad: 'x'.repeat(100 * 1024) }), { ...auth, 'content-type': 'application/json' }),
        413,
        'invalid_request',
      );
    });

    test('parameters without a value count as absent (RFC 6749 §3.1)', async () => {
      assertToken(await postToken(`${CC}&scope=`), 'demo:read orders:read');
      assertToken(await postToken(`${CC}&scope=&resource=&client_secret=&client_id=`), 'demo:read orders:read');
      assertToken(await postToken(`${CC}&scope=&scope=demo%3Aread`), 'demo:read');
      assertError(await postToken('grant_type=&scope=demo%3Aread'), 400, 'invalid_request');
    });

    test('scopes: the request is granted only within what the roles and the client allow', async () => {
      assertToken(await postToken(`${CC}&scope=demo%3Aread`), 'demo:read');
      assertToken(
        await postToken(form({ grant_type: 'client_credentials', scope: 'orders:read demo:read orders:read' })),
        'orders:read demo:read',
      );
      assertError(await postToken(form({ grant_type: 'client_credentials', scope: 'demo:read admin:write' })), 400, 'invalid_scope');
      assertError(await postToken(form({ grant_type: 'client_credentials', scope: 'admin:write' })), 400, 'invalid_scope');

      const direct = await server.createClient({ name: 'Direct', roles: ['reader'], scopes: ['audit:read'] });
      const directAuth = withBasic(direct.clientId, direct.clientSecret);
      assertToken(
        await postToken(form({ grant_type: 'client_credentials', scope: 'audit:read demo:read' }), directAuth),
        'audit:read demo:read',
      );
      assertToken(await postToken(CC, directAuth), 'audit:read demo:read orders:read');
      const bare = await server.createClient({ name: 'No scopes' });
      assert.equal(assertToken(await postToken(CC, withBasic(bare.clientId, bare.clientSecret))).scope, undefined);
      assertError(await postToken(`${CC}&scope=demo%3Aread`, withBasic(bare.clientId, bare.clientSecret)), 400, 'invalid_scope');
    });

    test('a malformed scope is invalid_scope', async (t) => {
      const scopes = ['demo:read "x"', 'demo\\read', 'démo:read', 'demo:read\tx'].map((scope) => [JSON.stringify(scope), scope] as const);
      await eachCase(t, scopes, async (scope) =>
        assertError(await postToken(form({ grant_type: 'client_credentials', scope })), 400, 'invalid_scope'),
      );
    });

    test('changes to a role after the client was created apply to its next token', async () => {
      const role = unique('editable');
      await server.createRole(role, ['reports:read']);
      const editable = await server.createClient({ name: 'Editable', roles: [role] });
      const editableAuth = withBasic(editable.clientId, editable.clientSecret);
      assertToken(await postToken(`${CC}&scope=reports%3Aread`, editableAuth), 'reports:read');
      await new RoleRepository(server.server.gatehouse.store, DEFAULT_TENANT).setScopes(role, ['reports:write']);
      assertError(await postToken(`${CC}&scope=reports%3Aread`, editableAuth), 400, 'invalid_scope');
      assertToken(await postToken(CC, editableAuth), 'reports:write');
    });

    test('audience: the default API, or the registered API named by resource (RFC 8707)', async () => {
      assert.equal(assertToken(await postToken(CC)).aud, `${server.issuer}/api`);
      assert.equal(
        assertToken(await postToken(form({ grant_type: 'client_credentials', resource: `${server.issuer}/api` }))).aud,
        `${server.issuer}/api`,
      );
      const orders = assertToken(await postToken(form({ grant_type: 'client_credentials', resource: ORDERS })), 'orders:read');
      assert.equal(orders.aud, ORDERS);
      assertToken(await postToken(form({ grant_type: 'client_credentials', resource: ORDERS, scope: 'orders:read' })), 'orders:read');
      assertError(await postToken(form({ grant_type: 'client_credentials', resource: ORDERS, scope: 'demo:read' })), 400, 'invalid_scope');
      assertError(
        await postToken(form({ grant_type: 'client_credentials', resource: ORDERS, scope: 'orders:read demo:read' })),
        400,
        'invalid_scope',
      );
    });

    test('an unknown, relative, fragment-bearing or repeated resource is invalid_target', async (t) => {
      const targets = [
        ['unknown', form({ resource: 'https://unknown.example.com' })],
        ['relative path', form({ resource: '/api' })],
        ['no scheme', form({ resource: 'orders.example.com' })],
        ['fragment', form({ resource: `${ORDERS}#section` })],
        ['empty fragment', form({ resource: `${ORDERS}#` })],
        ['two different', `${form({ resource: ORDERS })}&${form({ resource: `${server.issuer}/api` })}`],
        ['the same twice', `${form({ resource: ORDERS })}&${form({ resource: ORDERS })}`],
      ] as const;
      await eachCase(t, targets, async (target) => assertError(await postToken(`${CC}&${target}`), 400, 'invalid_target'));
    });

    test('the access token lifetime is per client, 1800 seconds by default', async () => {
      const short = await server.createClient({ name: 'Short-lived', roles: ['reader'], accessTokenTtl: 600 });
      const reply = await postToken(CC, withBasic(short.clientId, short.clientSecret));
      const claims = assertToken(reply, 'demo:read orders:read');
      assert.equal(reply.json.expires_in, 600);
      assert.equal(claims.exp! - claims.iat!, 600);
      assert.equal((await postToken(CC)).json.expires_in, 1800);
    });

    test('secret rotation: the old secret works during the grace period, and not at all with a grace of 0', async () => {
      const { management } = server.server.gatehouse;
      const rotating = await server.createClient({ name: 'Rotating', roles: ['reader'] });
      const { clientSecret: second } = await management.clients.rotateSecret(rotating.clientId, undefined, systemActor());
      assert.notEqual(second, rotating.clientSecret);
      assertToken(await postToken(CC, withBasic(rotating.clientId, rotating.clientSecret)));
      assertToken(await postToken(CC, withBasic(rotating.clientId, second)));

      const { clientSecret: third } = await management.clients.rotateSecret(rotating.clientId, 0, systemActor());
      const wrong = await postToken(CC, withBasic(rotating.clientId, 'never-issued'));
      for (const old of [rotating.clientSecret, second]) {
        const reply = await postToken(CC, withBasic(rotating.clientId, old));
        assertError(reply, 401, 'invalid_client');
        assert.equal(reply.text, wrong.text);
        const post = form({ grant_type: 'client_credentials', client_id: rotating.clientId, client_secret: old });
        assertError(await postToken(post, FORM), 401, 'invalid_client');
      }
      assertToken(await postToken(CC, withBasic(rotating.clientId, third)));
      assertToken(await postToken(form({ grant_type: 'client_credentials', client_id: rotating.clientId, client_secret: third }), FORM));
    });
  });
}
