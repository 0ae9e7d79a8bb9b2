import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { systemActor } from '../src/admin/audit-log.js';
import { CATALOG_SCOPES, type CatalogApi, type Corpus, startCatalogApi } from './helpers/catalog-api.js';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, tokenFor } from './helpers/tokens.js';

/** What the Catalog API answered: status, headers and the parsed body (undefined when empty). */
async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/**
 * A second real API beside Gatehouse's built-in demo API: the Catalog API (test/helpers/catalog-api.ts) on its own port,
 * registered in Gatehouse with its scopes, called with client-credentials tokens issued for it (`resource=`), as a
 * browser page at the issuer's origin (the playground) would call it: preflight, CORS headers, readable challenge.
 */
describe('the Catalog API, a service outside Gatehouse protected by @gatehouse/resource', () => {
  let server: TestServer;
  let catalog: CatalogApi;
  let issuerOrigin: string;
  let librarian: Credentials;
  let reader: Credentials;
  let challengeStart: string;
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${token}`, ...extra } });

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    issuerOrigin = new URL(server.issuer).origin;
    catalog = await startCatalogApi({ issuer: server.issuer, origins: [issuerOrigin] });
    challengeStart = `Bearer realm="catalog", resource_metadata="${catalog.metadataUrl}"`;
    await server.server.gatehouse.management.apis.createApi(
      { identifier: catalog.identifier, name: 'Catalog API', scopes: [CATALOG_SCOPES.read, CATALOG_SCOPES.write] },
      systemActor(),
    );
    await server.createRole('librarian', [CATALOG_SCOPES.read, CATALOG_SCOPES.write]);
    await server.createRole('catalog-reader', [CATALOG_SCOPES.read]);
    librarian = await server.createClient({ name: 'Librarian', roles: ['librarian'] });
    reader = await server.createClient({ name: 'Reader', roles: ['catalog-reader'] });
  });
  after(async () => {
    await catalog?.close();
    await server?.close();
  });

  test('its own OpenAPI 3.1 document: valid, served at its URL, bearer security with each operation’s scope', async () => {
    const answer = await call(catalog.openapiUrl);
    assert.equal(answer.status, 200);
    const document = answer.body as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { operationId: string; security: Record<string, string[]>[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    };
    const validation = await new Validator().validate(document as Record<string, unknown>);
    assert.deepEqual(validation, { valid: true });
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.servers, [{ url: catalog.identifier }]);
    assert.deepEqual(document.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: `An access token of ${server.issuer} for ${catalog.identifier}`,
    });
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => [operation.operationId, method, path, operation.security[0]]),
    );
    assert.deepEqual(operations, [
      ['ListCorpora', 'get', '/corpora', { bearer: [CATALOG_SCOPES.read] }],
      ['CreateCorpus', 'post', '/corpora', { bearer: [CATALOG_SCOPES.write] }],
      ['GetCorpus', 'get', '/corpora/{id}', { bearer: [CATALOG_SCOPES.read] }],
    ]);
  });

  test('its RFC 9728 metadata names Gatehouse as the authorization server', async () => {
    const answer = await call(catalog.metadataUrl);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      resource: catalog.identifier,
      authorization_servers: [server.issuer],
      scopes_supported: [CATALOG_SCOPES.read, CATALOG_SCOPES.write],
      bearer_methods_supported: ['header'],
      resource_name: 'Catalog API',
    });
  });

  test('a token issued for it (resource=) with the scopes: ListCorpora, CreateCorpus and GetCorpus answer', async () => {
    const token = await tokenFor(server, librarian, { resource: catalog.identifier });
    const listed = await call(`${catalog.identifier}/corpora`, bearer(token));
    assert.equal(listed.status, 200);
    const seeded: Corpus[] = [
      { id: 'news-en', name: 'News articles', language: 'en' },
      { id: 'court-de', name: 'Court rulings', language: 'de' },
    ];
    assert.deepEqual(listed.body, { corpora: seeded });

    const created = await call(`${catalog.identifier}/corpora`, {
      method: 'POST',
      ...bearer(token, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'Parliament debates', language: 'fr' }),
    });
    assert.equal(created.status, 201);
    const corpus = created.body as Corpus;
    assert.deepEqual(corpus, { id: 'corpus-1', name: 'Parliament debates', language: 'fr' });
    assert.equal(created.headers.get('location'), `${catalog.identifier}/corpora/corpus-1`);

    const read = await call(`${catalog.identifier}/corpora/corpus-1`, bearer(token));
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, corpus);
    assert.deepEqual((await call(`${catalog.identifier}/corpora`, bearer(token))).body, { corpora: [...seeded, corpus] });

    const missing = await call(`${catalog.identifier}/corpora/nope`, bearer(token));
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: 'not_found', error_description: 'no corpus has that id' });

    const bad = await call(`${catalog.identifier}/corpora`, {
      method: 'POST',
      ...bearer(token, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'No language' }),
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: 'invalid_request', error_description: 'language must be a two-letter ISO 639-1 code' });
  });

  test('a token without the scope: 403 insufficient_scope naming it, and nothing is created', async () => {
    const token = await tokenFor(server, reader, { resource: catalog.identifier });
    const refused = await call(`${catalog.identifier}/corpora`, {
      method: 'POST',
      ...bearer(token, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'Sneaky', language: 'en' }),
    });
    assert.equal(refused.status, 403);
    const description = `the token lacks a required scope: ${CATALOG_SCOPES.write}`;
    assert.equal(
      refused.headers.get('www-authenticate'),
      `${challengeStart}, error="insufficient_scope", error_description="${description}", scope="${CATALOG_SCOPES.write}"`,
    );
    assert.deepEqual(refused.body, { error: 'insufficient_scope', error_description: description });
    const names = ((await call(`${catalog.identifier}/corpora`, bearer(token))).body as { corpora: Corpus[] }).corpora.map((c) => c.name);
    assert.ok(!names.includes('Sneaky'));
  });

  test('a token for another audience (the default API) or none: 401', async () => {
    const foreign = await call(`${catalog.identifier}/corpora`, bearer(await tokenFor(server, librarian)));
    assert.equal(foreign.status, 401);
    const description = "the token's aud claim is not accepted";
    assert.equal(foreign.headers.get('www-authenticate'), `${challengeStart}, error="invalid_token", error_description="${description}"`);
    assert.deepEqual(foreign.body, { error: 'invalid_token', error_description: description });

    const none = await call(`${catalog.identifier}/corpora`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), challengeStart);
    assert.deepEqual(none.body, {});
  });

  test('a preflight from the issuer’s origin is allowed: that origin, the methods, Authorization, Content-Type, DPoP', async () => {
    const answer = await call(`${catalog.identifier}/corpora`, {
      method: 'OPTIONS',
      headers: {
        origin: issuerOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.body, undefined);
    assert.equal(answer.headers.get('access-control-allow-origin'), issuerOrigin);
    assert.equal(answer.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, PUT, PATCH, DELETE');
    assert.equal(answer.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, DPoP');
    assert.equal(answer.headers.get('access-control-max-age'), '600');
    assert.equal(answer.headers.get('vary'), 'Origin');
    assert.equal(answer.headers.get('www-authenticate'), null, 'a preflight carries no token and is not challenged');
  });

  test('a real request from the issuer’s origin: the 403 challenge is exposed to the page; another origin gets no CORS', async () => {
    const token = await tokenFor(server, reader, { resource: catalog.identifier });
    const init = (origin: string) => ({
      method: 'POST',
      ...bearer(token, { origin, 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'Sneaky', language: 'en' }),
    });
    const refused = await call(`${catalog.identifier}/corpora`, init(issuerOrigin));
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), issuerOrigin);
    assert.equal(refused.headers.get('access-control-expose-headers'), 'WWW-Authenticate');
    assert.equal(refused.headers.get('vary'), 'Origin');
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="corpora:write"$/);

    const ok = await call(`${catalog.identifier}/corpora`, bearer(token, { origin: issuerOrigin }));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), issuerOrigin);

    const elsewhere = await call(`${catalog.identifier}/corpora`, init('https://evil.example'));
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
    assert.equal(elsewhere.headers.get('access-control-expose-headers'), null);
    const preflight = await call(`${catalog.identifier}/corpora`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.headers.get('access-control-allow-methods'), null);
  });

  if (chromiumAvailable()) {
    test('in Chromium, a page at the issuer’s origin calls it and reads the challenge; a page of another origin is blocked', async () => {
      const reading = await tokenFor(server, reader, { resource: catalog.identifier });
      const browser = await launchChromium();
      try {
        // Gatehouse's own front page stands for the playground: a real page at the issuer's origin, on loopback as
        // the catalog is (Chromium keeps pages it does not know to be local from calling loopback addresses). Its CSP
        // (connect-src 'self') is bypassed, as the playground's will list the selected API; the other origin is the
        // same server by another name.
        const tab = await (await browser.newContext({ bypassCSP: true })).newPage();
        const elsewhere = `http://localhost:${new URL(server.issuer).port}/`;
        const consoleMessages: string[] = [];
        tab.on('console', (message) => consoleMessages.push(message.text()));
        const callFromPage = (url: string, token: string) =>
          tab.evaluate(
            async ({ url, token }) => {
              try {
                const response = await fetch(url, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ name: 'From the page', language: 'en' }),
                });
                return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
              } catch (error) {
                return { failed: String(error) };
              }
            },
            { url, token },
          );

        await tab.goto(`${server.issuer}/`);
        const refused = await callFromPage(`${catalog.identifier}/corpora`, reading);
        const description = `the token lacks a required scope: ${CATALOG_SCOPES.write}`;
        assert.deepEqual(refused, {
          status: 403,
          challenge: `${challengeStart}, error="insufficient_scope", error_description="${description}", scope="${CATALOG_SCOPES.write}"`,
          body: { error: 'insufficient_scope', error_description: description },
        });
        const writing = await tokenFor(server, librarian, { resource: catalog.identifier });
        const created = (await callFromPage(`${catalog.identifier}/corpora`, writing)) as { status: number; body: Corpus };
        assert.equal(created.status, 201);
        assert.equal(created.body.name, 'From the page');

        await tab.goto(elsewhere);
        const blocked = await callFromPage(`${catalog.identifier}/corpora`, writing);
        assert.deepEqual(blocked, { failed: 'TypeError: Failed to fetch' });
        const why = consoleMessages.find((text) => text.includes('blocked by CORS policy')) ?? consoleMessages.join('\n');
        assert.match(why, /Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header/);
        // The browser stopped at the preflight: the POST never reached the catalog.
        const listed = (await call(`${catalog.identifier}/corpora`, bearer(writing))).body as { corpora: Corpus[] };
        assert.equal(listed.corpora.filter((corpus) => corpus.name === 'From the page').length, 1);
      } finally {
        await browser.close();
      }
    });
  }
});
