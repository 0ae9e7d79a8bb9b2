import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// JSON Schema 2020-12, the dialect of OpenAPI 3.1 schemas (ajv comes with fastify).
import Ajv2020Module from 'ajv/dist/2020.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const Ajv2020 = Ajv2020Module.default;

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every operation of the document, as [method, path, operation]. */
function operations(doc: Json): Array<[string, string, Json]> {
  const found: Array<[string, string, Json]> = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of METHODS) if (item[method]) found.push([method, path, item[method]]);
  }
  return found;
}

/** Every Schema Object in an operation: parameters, request bodies and responses. */
function schemasOf(operation: Json): Json[] {
  const schemas: Json[] = [];
  for (const parameter of operation.parameters ?? []) if (parameter.schema) schemas.push(parameter.schema);
  for (const media of Object.values<Json>(operation.requestBody?.content ?? {})) if (media.schema) schemas.push(media.schema);
  for (const response of Object.values<Json>(operation.responses ?? {})) {
    for (const media of Object.values<Json>(response.content ?? {})) if (media.schema) schemas.push(media.schema);
  }
  return schemas;
}

describe('OpenAPI 3.1 document (/openapi.json)', () => {
  let server: TestServer;
  let doc: Json;

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    const response = await fetch(`${server.url}/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await response.json()) as Json;
  });
  after(async () => {
    await server?.close();
  });

  test('is OpenAPI 3.1.0 with info, the issuer as server, and paths', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.deepEqual(doc.servers, [{ url: server.issuer }]);
    assert.equal(typeof doc.paths, 'object');
    for (const path of Object.keys(doc.paths)) assert.match(path, /^\//, `${path} starts with /`);
    assert.deepEqual(
      Object.keys(doc.paths).filter((path) => path.startsWith('/t/')),
      [],
      "the tenants' copies of the endpoints are the same API, not listed again",
    );
    assert.ok(doc.paths['/oauth2/token'], 'the root token endpoint is listed');
  });

  test('lists every JSON endpoint, and none of the hidden pages', () => {
    const listed = new Set(operations(doc).map(([method, path]) => `${method.toUpperCase()} ${path}`));
    for (const expected of [
      'POST /oauth2/token',
      'POST /oauth2/revoke',
      'POST /oauth2/introspect',
      'GET /oauth2/userinfo',
      'POST /oauth2/userinfo',
      'GET /api/demo/whoami',
      'GET /api/demo/items',
      'GET /.well-known/openid-configuration',
      'GET /.well-known/oauth-authorization-server',
      'GET /.well-known/jwks.json',
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /admin/clients',
      'POST /admin/clients',
      'GET /admin/users',
      'GET /admin/roles',
      'GET /admin/keys',
    ]) {
      assert.ok(listed.has(expected), `${expected} is in the document`);
    }
    for (const path of Object.keys(doc.paths)) {
      assert.doesNotMatch(path, /^\/(openapi\.json|playground|login|consent|logout|account|signup|assets|console)\b/, `${path} is hidden`);
    }
    // Preflights and the 405 answers to the wrong methods are not operations anyone should call.
    assert.equal(doc.paths['/oauth2/token'].options, undefined);
    assert.equal(doc.paths['/oauth2/token'].get, undefined);
  });

  test('every operation has a summary, tags, and responses that each have a description', () => {
    const tagNames = new Set((doc.tags as Json[]).map((tag) => tag.name));
    for (const [method, path, operation] of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      assert.equal(typeof operation.summary, 'string', `${name} has a summary`);
      assert.ok(Array.isArray(operation.tags) && operation.tags.length > 0, `${name} has tags`);
      for (const tag of operation.tags) assert.ok(tagNames.has(tag), `${name}: tag ${tag} is declared`);
      assert.ok(operation.responses && Object.keys(operation.responses).length > 0, `${name} has responses`);
      for (const [status, response] of Object.entries<Json>(operation.responses)) {
        assert.match(status, /^([1-5]\d\d|[1-5]XX|default)$/, `${name}: response key ${status}`);
        assert.equal(typeof response.description, 'string', `${name} ${status} has a description`);
      }
    }
  });

  test('path templates and path parameters agree', () => {
    for (const [method, path, operation] of operations(doc)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = ((operation.parameters ?? []) as Json[]).filter((parameter) => parameter.in === 'path');
      assert.deepEqual(declared.map((parameter) => parameter.name).sort(), templated, `${method} ${path}`);
      for (const parameter of declared) assert.equal(parameter.required, true, `${method} ${path}: ${parameter.name} is required`);
    }
  });

  test('security schemes: bearer, client Basic, and OAuth 2 with client credentials and authorization code', async () => {
    const schemes = doc.components.securitySchemes as Json;
    assert.deepEqual(schemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: schemes.bearer.description });
    assert.equal(schemes.clientBasic.type, 'http');
    assert.equal(schemes.clientBasic.scheme, 'basic');
    const { oauth2 } = schemes;
    assert.equal(oauth2.type, 'oauth2');
    assert.equal(oauth2.flows.clientCredentials.tokenUrl, `${server.issuer}/oauth2/token`);
    assert.equal(oauth2.flows.authorizationCode.authorizationUrl, `${server.issuer}/oauth2/authorize`);
    assert.equal(oauth2.flows.authorizationCode.tokenUrl, `${server.issuer}/oauth2/token`);
    for (const scope of ['openid', 'profile', 'email', 'offline_access', 'demo:read', 'gatehouse:admin']) {
      assert.equal(typeof oauth2.flows.authorizationCode.scopes[scope], 'string', `authorizationCode lists ${scope}`);
    }
    // A machine's token carries only its roles' scopes: OpenID Connect's make no sense there.
    assert.deepEqual(Object.keys(oauth2.flows.clientCredentials.scopes).sort(), ['demo:read', 'gatehouse:admin']);
    // The flows and URLs agree with what discovery says.
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Json;
    assert.equal(oauth2.flows.authorizationCode.authorizationUrl, metadata.authorization_endpoint);
    assert.equal(oauth2.flows.clientCredentials.tokenUrl, metadata.token_endpoint);
    assert.ok(metadata.grant_types_supported.includes('client_credentials'));
    assert.ok(metadata.grant_types_supported.includes('authorization_code'));
  });

  test('security requirements name declared schemes and scopes; bearer-protected operations also take oauth2', () => {
    const schemes = doc.components.securitySchemes as Json;
    const oauthScopes = new Set(Object.values<Json>(schemes.oauth2.flows).flatMap((flow) => Object.keys(flow.scopes)));
    for (const [method, path, operation] of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const requirement of (operation.security ?? []) as Json[]) {
        for (const [scheme, scopes] of Object.entries<string[]>(requirement)) {
          assert.ok(schemes[scheme], `${name}: scheme ${scheme} is declared`);
          assert.ok(Array.isArray(scopes));
          if (scheme === 'oauth2') for (const scope of scopes) assert.ok(oauthScopes.has(scope), `${name}: scope ${scope} is in a flow`);
        }
      }
      const bearer = (operation.security ?? []).find((requirement: Json) => 'bearer' in requirement);
      if (bearer) {
        assert.ok(
          operation.security.some((requirement: Json) => JSON.stringify(requirement.oauth2) === JSON.stringify(bearer.bearer)),
          `${name} accepts the Authorize dialog's token with the same scopes`,
        );
      }
    }
    const security = (method: string, path: string) => doc.paths[path][method].security;
    assert.deepEqual(security('get', '/api/demo/items'), [{ bearer: ['demo:read'] }, { oauth2: ['demo:read'] }]);
    assert.deepEqual(security('get', '/oauth2/userinfo'), [{ bearer: ['openid'] }, { oauth2: ['openid'] }]);
    assert.deepEqual(security('get', '/admin/users'), [{ bearer: ['gatehouse:admin'] }, { oauth2: ['gatehouse:admin'] }]);
    assert.deepEqual(security('post', '/oauth2/introspect'), [{ clientBasic: [] }]);
    // Public clients send no credentials to the token endpoint: the empty requirement says so.
    assert.deepEqual(security('post', '/oauth2/token'), [{ clientBasic: [] }, {}]);
    assert.equal(security('get', '/health'), undefined);
  });

  test('the OAuth endpoints take form bodies; the rest speaks JSON', () => {
    for (const path of ['/oauth2/token', '/oauth2/revoke', '/oauth2/introspect']) {
      assert.deepEqual(Object.keys(doc.paths[path].post.requestBody.content), ['application/x-www-form-urlencoded'], path);
    }
    const token = doc.paths['/oauth2/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
    for (const field of [
      'grant_type',
      'code',
      'code_verifier',
      'redirect_uri',
      'refresh_token',
      'scope',
      'resource',
      'client_id',
      'client_secret',
    ]) {
      assert.ok(token.properties[field], `the token endpoint documents ${field}`);
    }
    assert.deepEqual(Object.keys(doc.paths['/admin/clients'].post.requestBody.content), ['application/json']);
  });

  test("the token response documents RFC 6749 §5.1's members and lets a grant add its own", () => {
    const response = doc.paths['/oauth2/token'].post.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(response.properties), ['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token']);
    assert.deepEqual(response.required, ['access_token', 'token_type', 'expires_in']);
    assert.equal(response.additionalProperties, true);
    const grantType = doc.paths['/oauth2/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema.properties.grant_type;
    assert.equal(grantType.description, 'One of authorization_code, refresh_token, client_credentials');
  });

  test('every schema in the document is valid JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, validateFormats: false, allErrors: true });
    // OpenAPI 3.1's own vocabulary on top of JSON Schema.
    ajv.addVocabulary(['example', 'xml', 'discriminator', 'externalDocs']);
    const components = (doc.components.schemas ?? {}) as Json;
    for (const [method, path, operation] of operations(doc)) {
      for (const schema of schemasOf(operation)) {
        try {
          ajv.compile({ ...schema, $defs: components });
        } catch (error) {
          assert.fail(`${method.toUpperCase()} ${path}: ${(error as Error).message} in ${JSON.stringify(schema)}`);
        }
        assert.equal(JSON.stringify(schema).includes('"nullable"'), false, `${method} ${path}: no OpenAPI 3.0 nullable in 3.1`);
      }
    }
  });

  test("the playground's Gatehouse entry is the same document less the demo API, which is an entry of its own", async () => {
    const own = (await (await fetch(`${server.url}/playground/openapi.json?api=gatehouse`)).json()) as typeof doc;
    const demo = (await (await fetch(`${server.url}/playground/openapi.json?api=demo`)).json()) as typeof doc;
    const demoPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/api/demo/'));
    assert.ok(demoPaths.length > 0);
    assert.deepEqual(
      Object.keys(own.paths),
      Object.keys(doc.paths).filter((path) => !demoPaths.includes(path)),
    );
    assert.deepEqual(Object.keys(demo.paths), demoPaths);
    assert.deepEqual(own.info, doc.info);
    assert.deepEqual(own.paths['/oauth2/token'], doc.paths['/oauth2/token']);
  });
});
