import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AccessTokenClaims, InsufficientScopeError, InvalidTokenError, scopesOf } from '@gatehouse/resource';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { bearerAuth, principalOf } from '../../src/http/bearer-auth.js';
import { errorHandler } from '../../src/http/errors.js';
import { Metrics } from '../../src/metrics.js';

const REALM = 'Bearer realm="orders"';

const claimsOf = (token: string): AccessTokenClaims => ({
  iss: 'https://issuer.test',
  sub: `user-of-${token}`,
  aud: 'https://api.test',
  client_id: 'app',
  scope: token === 'reader' ? 'orders:read' : '',
  exp: 2_000_000_000,
  iat: 1_000_000_000,
  jti: `jti-${token}`,
});

/** Stands for the verifier: 'reader' and 'nobody' are tokens, anything else (the empty string too) is not. */
const authenticate = async (token: string, request: FastifyRequest): Promise<AccessTokenClaims> => {
  if (token !== 'reader' && token !== 'nobody') throw new InvalidTokenError('the token is malformed');
  const claims = claimsOf(token);
  const required = request.routeOptions.config.requiredScopes ?? [];
  if (required.some((scope) => !scopesOf(claims).has(scope))) throw new InsufficientScopeError(required);
  return claims;
};

/** The plugin on its own: a protected plugin, an unprotected sibling, the server's one error handler. */
async function buildApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.decorateRequest('principal', null);
  app.setErrorHandler(errorHandler(new Metrics()));
  await app.register(async (api) => {
    await api.register(bearerAuth, { realm: 'orders', authenticate });
    api.get('/orders/me', async (request) => ({ sub: principalOf(request).sub }));
    api.get('/orders', { config: { requiredScopes: ['orders:read'] } }, async (request) => ({ for: principalOf(request).sub }));
    api.get('/orders/broken', async () => {
      throw new Error('stack and secrets stay in the log');
    });
  });
  await app.register(async (open) => {
    open.get('/open', async (request) => ({ principal: request.principal }));
    open.get('/open/misused', async (request) => principalOf(request));
  });
  return app;
}

describe('bearerAuth: one plugin for bearer-protected routes (RFC 6750)', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildApp();
  });
  after(() => app.close());

  const get = async (url: string, authorization?: string) => {
    const response = await app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });
    return { status: response.statusCode, headers: response.headers, body: response.json() as Record<string, unknown> };
  };

  test('a good token: the handler reads the principal the hook set', async () => {
    const answer = await get('/orders/me', 'Bearer nobody');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { sub: 'user-of-nobody' });
    assert.deepEqual((await get('/orders', 'Bearer reader')).body, { for: 'user-of-reader' });
  });

  test('no Authorization header: the bare challenge of the realm, no error code (§3.1)', async () => {
    const answer = await get('/orders/me');
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], REALM);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.deepEqual(answer.body, { message: 'an access token is required' });
  });

  test('a bad token: 401 invalid_token in the challenge and the body', async () => {
    const answer = await get('/orders/me', 'Bearer forged');
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], `${REALM}, error="invalid_token", error_description="the token is malformed"`);
    assert.deepEqual(answer.body, { error: 'invalid_token', error_description: 'the token is malformed' });
  });

  test('another scheme: 400 invalid_request, before the verifier is asked', async () => {
    const answer = await get('/orders/me', 'Basic dXNlcjpwYXNz');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_request');
    assert.match(String(answer.headers['www-authenticate']), /^Bearer realm="orders", error="invalid_request"/);
  });

  test("the route's requiredScopes reach the verifier: 403 insufficient_scope with the scope", async () => {
    const answer = await get('/orders', 'Bearer nobody');
    assert.equal(answer.status, 403);
    assert.equal(
      answer.headers['www-authenticate'],
      `${REALM}, error="insufficient_scope", error_description="the token lacks a required scope: orders:read", scope="orders:read"`,
    );
    assert.deepEqual(answer.body, { error: 'insufficient_scope', error_description: 'the token lacks a required scope: orders:read' });
  });

  test('an error that is not about the token: a bare server_error, no challenge, no stack trace', async () => {
    const answer = await get('/orders/broken', 'Bearer nobody');
    assert.equal(answer.status, 500);
    assert.equal(answer.headers['www-authenticate'], undefined);
    assert.deepEqual(answer.body, { error: 'server_error', error_description: 'the server could not complete the request' });
  });

  test('the protection stops at the registering plugin: a sibling is open, its principal null', async () => {
    const open = await get('/open');
    assert.equal(open.status, 200);
    assert.deepEqual(open.body, { principal: null });
    // Asking for a principal where there can be none fails closed, as a server error, not as anonymous access.
    const misused = await get('/open/misused', 'Bearer reader');
    assert.equal(misused.status, 500);
    assert.deepEqual(misused.body, { error: 'server_error', error_description: 'the server could not complete the request' });
  });
});
