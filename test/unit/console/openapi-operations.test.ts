import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogOpenApi } from '../../helpers/catalog-api.js';
import { importConsoleModule } from '../../helpers/console-module.js';

type Json = Record<string, unknown>;
interface Operation {
  key: string;
  method: string;
  path: string;
  operationId?: string;
  summary?: string;
  scopes: string[];
  bearer: boolean;
  parameters: { name: string; in: string; required: boolean; description?: string }[];
  body?: {
    mediaType: string;
    required: boolean;
    schema?: Json;
    example?: unknown;
    fields?: { name: string; required: boolean; choices?: string[] }[];
  };
}
interface Group {
  tag: string;
  operations: Operation[];
}
const { operationGroups, resolveRef } = await importConsoleModule<{
  operationGroups(document: Json): Group[];
  resolveRef(document: Json, value: Json): Json;
}>('playground/openapi-operations.ts');
const { exampleFromSchema } = await importConsoleModule<{ exampleFromSchema(schema: unknown, resolve: (schema: Json) => Json): unknown }>(
  'playground/json-schema-example.ts',
);
const { buildRequest } = await importConsoleModule<{
  buildRequest(
    operation: Operation,
    server: string,
    input: { parameters: Record<string, string>; body: string; form: Record<string, string> },
    token: string,
  ): { url: string; method: string; headers: Record<string, string>; body?: string };
}>('playground/api-request.ts');

const CATALOG = 'https://catalog.example/catalog';
const catalog = catalogOpenApi(CATALOG, 'https://auth.example');
const all = (groups: Group[]) => groups.flatMap((group) => group.operations);

test("the Catalog API's operations: methods × paths, the scopes their security asks for, $refs resolved", () => {
  const groups = operationGroups(catalog);
  assert.deepEqual(
    groups.map((group) => group.tag),
    [''],
    'untagged operations make one group',
  );
  const byId = Object.fromEntries(all(groups).map((operation) => [operation.operationId, operation]));
  assert.deepEqual(Object.keys(byId), ['ListCorpora', 'CreateCorpus', 'GetCorpus']);
  assert.deepEqual(
    { key: byId.ListCorpora!.key, scopes: byId.ListCorpora!.scopes, bearer: byId.ListCorpora!.bearer, body: byId.ListCorpora!.body },
    { key: 'get /corpora', scopes: ['corpora:read'], bearer: true, body: undefined },
    'the same scope named by two requirements (bearer, oauth2) is listed once',
  );
  assert.deepEqual(byId.GetCorpus!.parameters, [
    { name: 'id', in: 'path', required: true, description: undefined, schema: { type: 'string' }, example: undefined },
  ]);
  const create = byId.CreateCorpus!;
  assert.equal(create.body?.mediaType, 'application/json');
  assert.equal(create.body?.required, true);
  assert.deepEqual(create.body?.schema?.required, ['name', 'language'], 'the NewCorpus schema, through its $ref');
  assert.deepEqual(
    exampleFromSchema(create.body?.schema, (schema) => resolveRef(catalog, schema)),
    { name: 'string', language: 'string' },
  );
});

test('tags group operations in the document order of `tags`; path-level parameters merge; security [] needs no token', () => {
  const document: Json = {
    openapi: '3.1.0',
    tags: [{ name: 'Tokens' }, { name: 'Admin', description: 'The admin API' }],
    security: [{ bearer: ['gatehouse:admin'] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'Bearer' }, basic: { type: 'http', scheme: 'basic' } },
      parameters: { Limit: { name: 'limit', in: 'query', description: 'At most this many' } },
    },
    paths: {
      '/admin/clients/{id}': {
        parameters: [{ name: 'id', in: 'path', description: 'path level' }, { $ref: '#/components/parameters/Limit' }],
        get: {
          tags: ['Admin'],
          parameters: [
            { name: 'id', in: 'path', required: true, description: 'operation level' },
            { name: 'Authorization', in: 'header' },
            { name: 'X-Trace', in: 'header', required: true },
            { name: 'session', in: 'cookie' },
          ],
        },
        delete: { tags: ['Admin', 'Danger'] },
      },
      '/oauth2/token': {
        post: {
          tags: ['Tokens'],
          operationId: 'token',
          security: [],
          requestBody: {
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['grant_type'],
                  properties: {
                    grant_type: { type: 'string', enum: ['client_credentials', 'refresh_token'] },
                    scope: { type: 'string', description: 'Space separated' },
                  },
                },
              },
            },
          },
        },
      },
      '/oauth2/introspect': { post: { tags: ['Tokens'], security: [{ basic: [] }] } },
      '/unused': { summary: 'no operations' },
    },
  };
  const groups = operationGroups(document);
  assert.deepEqual(
    groups.map((group) => [group.tag, group.operations.map((operation) => operation.key)]),
    [
      ['Tokens', ['post /oauth2/token', 'post /oauth2/introspect']],
      ['Admin', ['get /admin/clients/{id}', 'delete /admin/clients/{id}']],
      ['Danger', ['delete /admin/clients/{id}']],
    ],
  );
  const [get, remove] = groups[1]!.operations;
  assert.deepEqual(
    get!.parameters.map((parameter) => [parameter.in, parameter.name, parameter.required, parameter.description]),
    [
      ['path', 'id', true, 'operation level'],
      ['query', 'limit', false, 'At most this many'],
      ['header', 'X-Trace', true, undefined],
    ],
    'Authorization headers and cookies are not parameters the page fills',
  );
  assert.deepEqual([get!.scopes, get!.bearer, remove!.bearer], [['gatehouse:admin'], true, true], 'the document-wide security applies');
  const [token, introspect] = groups[0]!.operations;
  assert.deepEqual([token!.bearer, token!.scopes], [false, []]);
  assert.equal(introspect!.bearer, false, 'a Basic scheme is no bearer token');
  assert.deepEqual(token!.body?.fields, [
    { name: 'grant_type', required: true, description: undefined, choices: ['client_credentials', 'refresh_token'] },
    { name: 'scope', required: false, description: 'Space separated', choices: undefined },
  ]);
});

test('requests: path parameters encoded, empty query parameters left out, the token only where a bearer scheme applies', () => {
  const [listOperation, createOperation, getOperation] = all(operationGroups(catalog));
  const input = { parameters: { 'path id': 'a b/c' }, body: '', form: {} };
  assert.deepEqual(buildRequest(getOperation!, `${CATALOG}/`, input, 'tok'), {
    url: `${CATALOG}/corpora/a%20b%2Fc`,
    method: 'GET',
    headers: { accept: 'application/json', authorization: 'Bearer tok' },
  });
  assert.equal(buildRequest(listOperation!, CATALOG, input, '').headers.authorization, undefined, 'no token, no header');
  assert.deepEqual(buildRequest(createOperation!, CATALOG, { ...input, body: '{"name":"x"}' }, 'tok'), {
    url: `${CATALOG}/corpora`,
    method: 'POST',
    headers: { accept: 'application/json', authorization: 'Bearer tok', 'content-type': 'application/json' },
    body: '{"name":"x"}',
  });

  const form = operationGroups({
    paths: {
      '/oauth2/token': {
        post: {
          security: [],
          parameters: [
            { name: 'q', in: 'query' },
            { name: 'X-Id', in: 'header' },
          ],
          requestBody: {
            content: { 'application/x-www-form-urlencoded': { schema: { properties: { grant_type: {}, scope: {}, resource: {} } } } },
          },
        },
      },
    },
  })[0]!.operations[0]!;
  assert.deepEqual(
    buildRequest(
      form,
      'https://auth.example',
      {
        parameters: { 'query q': 'a&b', 'header X-Id': '' },
        body: '',
        form: { grant_type: 'client_credentials', scope: 'a b', resource: '' },
      },
      'tok',
    ),
    {
      url: 'https://auth.example/oauth2/token?q=a%26b',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=a+b',
    },
  );
});

test('example bodies: the example or default the schema gives, else a skeleton of its shape', () => {
  const document: Json = {
    components: {
      schemas: {
        Node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/components/schemas/Node' } } },
        Base: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
      },
    },
  };
  const example = (schema: unknown) => exampleFromSchema(schema, (value) => resolveRef(document, value));
  assert.deepEqual(example({ type: 'object', example: { given: true }, properties: { a: { type: 'string' } } }), { given: true });
  assert.deepEqual(example({ type: 'string', examples: ['first', 'second'] }), 'first');
  assert.deepEqual(
    example({
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: 1 },
        ratio: { type: 'number' },
        on: { type: 'boolean' },
        kind: { enum: ['a', 'b'] },
        fixed: { const: 7 },
        level: { type: 'string', default: 'info' },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' } },
        maybe: { type: ['null', 'string'] },
        either: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
        whole: { allOf: [{ $ref: '#/components/schemas/Base' }, { properties: { extra: { type: 'boolean' } } }] },
      },
    }),
    {
      count: 1,
      ratio: 0,
      on: false,
      kind: 'a',
      fixed: 7,
      level: 'info',
      when: '2026-01-01T00:00:00Z',
      tags: ['string'],
      maybe: 'string',
      either: 0,
      whole: { id: '00000000-0000-4000-8000-000000000000', extra: false },
    },
  );
  // A schema that refers to itself stops at a fixed depth instead of looping.
  let node = example({ $ref: '#/components/schemas/Node' }) as Json;
  let depth = 0;
  while (node.child) {
    node = node.child as Json;
    depth++;
  }
  assert.ok(depth > 3 && depth < 12, `depth ${depth}`);
  assert.deepEqual(example({ $ref: '#/components/schemas/Missing' }), {}, 'a dangling $ref gives an empty skeleton');
});
