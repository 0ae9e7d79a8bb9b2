import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { answerErrors, errorHandler } from '../../src/http/errors.js';
import { Metrics } from '../../src/metrics.js';
import { invalidRequest } from '../../src/oauth/errors.js';

class ShelfEmpty extends Error {}

const countBody = { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] } as const;

/** One plugin per way of answering, all under the server's one error handler. */
async function buildApp(metrics: Metrics): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler(metrics));
  app.post('/json/count', { schema: { body: countBody } }, async () => ({}));
  app.get('/json/oauth', async () => {
    throw invalidRequest('the thing is missing');
  });
  app.get('/json/crash', async () => {
    throw new Error('connection string postgres://secret@db');
  });
  await app.register(async (admin) => {
    answerErrors(admin, {
      domainError: (error) =>
        error instanceof ShelfEmpty ? { status: 409, body: { error: 'conflict', error_description: 'the shelf is "empty"' } } : undefined,
      describedValidation: { patterns: {} },
    });
    admin.post('/admin/count', { schema: { body: countBody } }, async () => ({}));
    admin.get('/admin/shelf', async () => {
      throw new ShelfEmpty();
    });
  });
  await app.register(async (pages) => {
    answerErrors(pages, { page: true });
    pages.get('/page/oauth', async () => {
      throw invalidRequest('the thing is missing');
    });
    pages.get('/page/crash', async () => {
      throw new Error('connection string postgres://secret@db');
    });
  });
  return app;
}

const errorCount = async (metrics: Metrics, route: string, status: number): Promise<number> => {
  const text = await metrics.registry.metrics();
  const line = `gatehouse_http_errors_total{route="${route}",status="${status}"} `;
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length)) : 0;
};

describe('the one error handler: one place decides every error answer, and counts it', () => {
  let app: FastifyInstance;
  const metrics = new Metrics();
  before(async () => {
    app = await buildApp(metrics);
  });
  after(() => app.close());

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

  test('JSON by default: a schema failure is invalid_request, prefixed as a malformed request', async () => {
    const response = await post('/json/count', { count: 'many' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers['cache-control'], 'no-store');
    const description = 'the request is malformed: body/count must be integer';
    assert.deepEqual(response.json(), { error: 'invalid_request', error_description: description });
  });

  test('a protocol error keeps its RFC code and status', async () => {
    const response = await app.inject({ method: 'GET', url: '/json/oauth' });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), { error: 'invalid_request', error_description: 'the thing is missing' });
  });

  test('anything else is a bare server_error: no message, no stack trace', async () => {
    const response = await app.inject({ method: 'GET', url: '/json/crash' });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: 'server_error', error_description: 'the server could not complete the request' });
    assert.doesNotMatch(response.body, /secret|at .*\.js/);
  });

  test("a plugin's domain errors and its validation wording, as it declared them", async () => {
    const conflict = await app.inject({ method: 'GET', url: '/admin/shelf' });
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.headers['cache-control'], 'no-store');
    assert.equal(conflict.body, '{"error":"conflict","error_description":"the shelf is \\"empty\\""}');
    const invalid = await post('/admin/count', { count: 'many' });
    assert.equal(invalid.statusCode, 400);
    assert.deepEqual(invalid.json(), { error: 'invalid_request', error_description: 'count: must be a whole number', field: '/count' });
  });

  test('pages answer with an HTML page, never JSON or a stack trace', async () => {
    const refused = await app.inject({ method: 'GET', url: '/page/oauth' });
    assert.equal(refused.statusCode, 400);
    assert.match(String(refused.headers['content-type']), /^text\/html/);
    assert.match(refused.body, /This request cannot be completed/);
    assert.match(refused.body, /the thing is missing/);
    const crashed = await app.inject({ method: 'GET', url: '/page/crash' });
    assert.equal(crashed.statusCode, 500);
    assert.match(crashed.body, /Something went wrong/);
    assert.doesNotMatch(crashed.body, /secret|at .*\.js/);
  });

  test('every answer is counted by route pattern and status', async () => {
    const before = await errorCount(metrics, '/json/crash', 500);
    const pageBefore = await errorCount(metrics, '/page/oauth', 400);
    await app.inject({ method: 'GET', url: '/json/crash' });
    await app.inject({ method: 'GET', url: '/json/crash' });
    await app.inject({ method: 'GET', url: '/page/oauth' });
    assert.equal((await errorCount(metrics, '/json/crash', 500)) - before, 2);
    assert.equal((await errorCount(metrics, '/page/oauth', 400)) - pageBefore, 1);
  });
});
