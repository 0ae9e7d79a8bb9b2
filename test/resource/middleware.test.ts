import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  type AccessTokenClaims,
  type BearerMiddlewareOptions,
  expressBearer,
  fastifyBearer,
  honoBearer,
  protectedResourceMetadataUrl,
  remoteJwks,
} from '@gatehouse/resource';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { type Credentials, resignedByForeignKey, tokenFor } from '../helpers/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AccessTokenClaims | null;
  }
}

const RESOURCE = 'http://127.0.0.1/orders';
/** The page allowed to call the apps from a browser (the playground's origin, say). */
const PAGE = 'https://auth.example.com';
const CORS_ANSWER = { 'access-control-allow-origin': PAGE, 'access-control-expose-headers': 'WWW-Authenticate', vary: 'Origin' };
const METADATA = protectedResourceMetadataUrl(RESOURCE);
const REALM = `Bearer realm="orders", resource_metadata="${METADATA}"`;

/** What each tiny app answers for a good token: the claims the middleware attached, as its framework hands them over. */
interface Whoami {
  sub: string;
  scope: string;
  locals?: string;
}

type App = { url: string; close(): Promise<void> };

async function listening(server: Server): Promise<App> {
  if (!server.listening) await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const apps: Record<string, (options: BearerMiddlewareOptions) => Promise<App>> = {
  async express(options) {
    const app = express();
    app.use('/orders', expressBearer(options));
    app.get('/orders', (req, res) => {
      const { auth } = req as typeof req & { auth: AccessTokenClaims };
      res.json({ sub: auth.sub, scope: auth.scope, locals: (res.locals.auth as AccessTokenClaims).jti === auth.jti ? 'same' : 'other' });
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
  async hono(options) {
    const app = new Hono<{ Variables: { auth: AccessTokenClaims } }>();
    app.use('/orders', honoBearer(options));
    app.get('/orders', (c) => c.json({ sub: c.get('auth').sub, scope: c.get('auth').scope }));
    return listening(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
  },
  async fastify(options) {
    const app = Fastify();
    app.decorateRequest('auth', null);
    app.addHook('onRequest', fastifyBearer(options));
    app.get('/orders', async (request) => ({ sub: request.auth!.sub, scope: request.auth!.scope }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return listening(app.server);
  },
};

describe('resource kit middleware for Express, Hono and Fastify, against real tokens', () => {
  let server: TestServer;
  let client: Credentials;
  let good: string;
  let narrow: string;

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    await server.createRole('buyer', ['demo:read', 'orders:read']);
    client = await server.createClient({ name: 'Kit test', roles: ['buyer'] });
    good = await tokenFor(server, client, { scope: 'demo:read orders:read' });
    narrow = await tokenFor(server, client, { scope: 'demo:read' });
  });
  after(() => server.close());

  for (const [framework, start] of Object.entries(apps)) {
    describe(framework, () => {
      let app: App;
      const request = async (url: string, init: RequestInit = {}) => {
        const response = await fetch(url, init);
        const text = await response.text();
        // Express's default error handler answers in HTML.
        const json = text !== '' && response.headers.get('content-type')?.startsWith('application/json');
        return { status: response.status, headers: response.headers, body: json ? (JSON.parse(text) as unknown) : text || undefined };
      };
      const get = (authorization?: string, headers: Record<string, string> = {}) =>
        request(`${app.url}/orders`, { headers: authorization === undefined ? headers : { ...headers, authorization } });
      /** The CORS headers of an answer, each absent one as null. */
      const corsOf = (headers: Headers) => ({
        'access-control-allow-origin': headers.get('access-control-allow-origin'),
        'access-control-expose-headers': headers.get('access-control-expose-headers'),
        vary: headers.get('vary'),
      });

      before(async () => {
        app = await start({
          realm: 'orders',
          resourceMetadata: METADATA,
          issuer: server.issuer,
          audience: `${server.issuer}/api`,
          keys: remoteJwks(`${server.issuer}/.well-known/jwks.json`),
          requiredScopes: ['orders:read'],
          cors: { origins: [PAGE], maxAge: 900 },
        });
      });
      after(() => app.close());

      test('a good token reaches the handler with its claims', async () => {
        const answer = await get(`Bearer ${good}`);
        assert.equal(answer.status, 200);
        const locals = framework === 'express' ? { locals: 'same' } : {};
        const expected: Whoami = { sub: client.clientId, scope: 'demo:read orders:read', ...locals };
        assert.deepEqual(answer.body, expected);
      });

      test('no Authorization header: 401 with a bare challenge, no error code (RFC 6750 §3.1)', async () => {
        const answer = await get();
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.get('www-authenticate'), REALM);
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        assert.deepEqual(answer.body, {});
      });

      test('a token signed by a key the server never had: 401 invalid_token', async () => {
        const answer = await get(`Bearer ${await resignedByForeignKey(good)}`);
        assert.equal(answer.status, 401);
        const description = 'the token signature is invalid';
        assert.equal(answer.headers.get('www-authenticate'), `${REALM}, error="invalid_token", error_description="${description}"`);
        assert.deepEqual(answer.body, { error: 'invalid_token', error_description: description });
      });

      test('a token without the required scope: 403 insufficient_scope naming the scope', async () => {
        const answer = await get(`Bearer ${narrow}`);
        assert.equal(answer.status, 403);
        const description = 'the token lacks a required scope: orders:read';
        assert.equal(
          answer.headers.get('www-authenticate'),
          `${REALM}, error="insufficient_scope", error_description="${description}", scope="orders:read"`,
        );
        assert.deepEqual(answer.body, { error: 'insufficient_scope', error_description: description });
      });

      test('a preflight from the allowed page is answered 204 without a token: its origin, methods, bearer headers', async () => {
        const answer = await request(`${app.url}/orders`, {
          method: 'OPTIONS',
          headers: { origin: PAGE, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        });
        assert.equal(answer.status, 204);
        assert.equal(answer.body, undefined);
        assert.equal(answer.headers.get('www-authenticate'), null);
        assert.equal(answer.headers.get('access-control-allow-origin'), PAGE);
        assert.equal(answer.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, PUT, PATCH, DELETE');
        assert.equal(answer.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, DPoP');
        assert.equal(answer.headers.get('access-control-max-age'), '900');
        assert.equal(answer.headers.get('vary'), 'Origin');
      });

      test('a preflight from another page gets no CORS headers, so the browser stops there', async () => {
        const answer = await request(`${app.url}/orders`, {
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
        });
        assert.equal(answer.status, 204);
        assert.deepEqual(corsOf(answer.headers), {
          'access-control-allow-origin': null,
          'access-control-expose-headers': null,
          vary: 'Origin',
        });
        assert.equal(answer.headers.get('access-control-allow-methods'), null);
      });

      test('the allowed page gets the handler answer and every refusal with CORS headers, the challenge readable', async () => {
        const ok = await get(`Bearer ${good}`, { origin: PAGE });
        assert.equal(ok.status, 200);
        assert.equal((ok.body as Whoami).sub, client.clientId);
        assert.deepEqual(corsOf(ok.headers), CORS_ANSWER);

        const refused = await get(`Bearer ${narrow}`, { origin: PAGE });
        assert.equal(refused.status, 403);
        assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="orders:read"$/);
        assert.deepEqual(corsOf(refused.headers), CORS_ANSWER);

        const bare = await get(undefined, { origin: PAGE });
        assert.equal(bare.status, 401);
        assert.equal(bare.headers.get('www-authenticate'), REALM);
        assert.deepEqual(corsOf(bare.headers), CORS_ANSWER);

        const foreign = await get(`Bearer ${good}`, { origin: 'https://evil.example' });
        assert.equal(foreign.status, 200, 'CORS refuses nothing by itself: the browser keeps the answer from the page');
        assert.deepEqual(corsOf(foreign.headers), {
          'access-control-allow-origin': null,
          'access-control-expose-headers': null,
          vary: 'Origin',
        });
      });

      test('an error of the bearer check that is not the token (JWKS unreachable) is answered 500 with CORS headers', async () => {
        const broken = await start({
          realm: 'orders',
          issuer: server.issuer,
          audience: `${server.issuer}/api`,
          keys: remoteJwks(`http://127.0.0.1:${await freePort()}/jwks.json`),
          cors: { origins: [PAGE] },
        });
        try {
          const answer = await request(`${broken.url}/orders`, { headers: { authorization: `Bearer ${good}`, origin: PAGE } });
          assert.equal(answer.status, 500);
          assert.deepEqual(corsOf(answer.headers), CORS_ANSWER);
        } finally {
          await broken.close();
        }
      });

      test('another scheme: 400 invalid_request', async () => {
        const answer = await get(`Basic ${Buffer.from('a:b').toString('base64')}`);
        assert.equal(answer.status, 400);
        const challenge = answer.headers.get('www-authenticate') ?? '';
        assert.match(challenge, /^Bearer realm="orders", resource_metadata="[^"]+", error="invalid_request"/);
        assert.equal((answer.body as { error: string }).error, 'invalid_request');
      });
    });
  }
});
