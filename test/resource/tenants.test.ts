import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  type AccessTokenClaims,
  expressBearer,
  InvalidTokenError,
  type IssuerRule,
  remoteJwksByIssuer,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from '@gatehouse/resource';
import express from 'express';
import { decodeJwt, exportJWK, generateKeyPair, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import * as client from 'openid-client';
import { systemActor } from '../../src/admin/audit-log.js';
import type { TenantGatehouse } from '../../src/gatehouse.js';
import { backends } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertInvalid } from './assertions.js';

const now = () => Math.floor(Date.now() / 1000);

for (const backend of backends()) {
  describe(`one resource server for every tenant of a running Gatehouse (${backend.name})`, () => {
    let server: TestServer;
    let tenants: Record<'acme' | 'beta', TenantGatehouse>;
    const apps: Record<string, { id: string; secret: string }> = {};
    const issuerOf = (tenant: string) => (tenant === 'default' ? server.issuer : `${server.issuer}/t/${tenant}`);
    let rules: IssuerRule[];
    let options: VerifyAccessTokenOptions;

    /** A token from the tenant's own token endpoint, found by discovery as any client would (openid-client). */
    async function tokenOf(tenant: string): Promise<string> {
      const issuer = issuerOf(tenant);
      const { id, secret } = apps[tenant]!;
      const config = await client.discovery(new URL(issuer), id, secret, client.ClientSecretBasic(), {
        execute: [client.allowInsecureRequests],
      });
      return (await client.clientCredentialsGrant(config, { scope: 'orders:read' })).access_token;
    }

    /** Claims signed with the tenant's own active key, so only the claims decide the outcome. */
    async function signedBy(tenant: TenantGatehouse, claims: JWTPayload): Promise<string> {
      const key = await tenant.keys.signingKey('ES256');
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid }).sign(key.privateKey);
    }

    before(async () => {
      server = await startTestServer(backend);
      const { platform, tenants: directory } = server.server.gatehouse;
      for (const id of ['acme', 'beta']) await platform.tenants.create({ id, name: `${id} Inc.` }, systemActor());
      tenants = { acme: (await directory.open('acme'))!, beta: (await directory.open('beta'))! };
      for (const [name, services] of [['default', server.server.gatehouse], ...Object.entries(tenants)] as const) {
        await services.management.roles.createRole({ name: 'buyer', scopes: ['orders:read'] }, systemActor());
        const created = await services.management.clients.createClient({ name: `${name} app`, roles: ['buyer'] }, systemActor());
        apps[name] = { id: created.client.client_id, secret: created.clientSecret! };
      }
      rules = [{ issuer: server.issuer, tenant: 'default' }, { pattern: `${server.issuer}/t/{tenant}` }];
      options = {
        issuer: rules,
        audience: ['default', 'acme', 'beta'].map((tenant) => `${issuerOf(tenant)}/api`),
        keys: remoteJwksByIssuer(),
        requiredScopes: ['orders:read'],
      };
    });
    after(() => server.close());

    test("real tokens of two tenants and of the default tenant pass one verifier, each with its tenant's keys", async () => {
      for (const tenant of ['acme', 'beta', 'default']) {
        const token = await tokenOf(tenant);
        const claims = await verifyAccessToken(token, options);
        assert.deepEqual(claims, decodeJwt(token));
        assert.equal(claims.tenant, tenant);
        assert.equal(claims.iss, issuerOf(tenant));
        assert.equal(claims.client_id, apps[tenant]!.id);
        assert.equal(claims.aud, `${issuerOf(tenant)}/api`);
      }
    });

    test("one tenant's key cannot sign for another: beta's iss with acme's key is not signed by a known key", async () => {
      const claims = decodeJwt(await tokenOf('acme'));
      const forged = await signedBy(tenants.acme, { ...claims, iss: issuerOf('beta'), tenant: 'beta' });
      await assertInvalid(verifyAccessToken(forged, options), 'the token was not signed by a known key');
    });

    test("a token whose tenant claim is not its issuer's tenant is invalid_token", async () => {
      const claims = decodeJwt(await tokenOf('acme'));
      await assertInvalid(
        verifyAccessToken(await signedBy(tenants.acme, { ...claims, tenant: 'beta' }), options),
        "the token's tenant claim is not accepted",
      );
      const { tenant: _, ...untenanted } = claims;
      await assertInvalid(verifyAccessToken(await signedBy(tenants.acme, untenanted), options), "the token's tenant claim is not accepted");
      const rootKey = await server.server.gatehouse.keys.signingKey('ES256');
      const asAcme = await new SignJWT({ ...decodeJwt(await tokenOf('default')), tenant: 'acme' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: rootKey.kid })
        .sign(rootKey.privateKey);
      await assertInvalid(verifyAccessToken(asAcme, options), "the token's tenant claim is not accepted");
    });

    test('servesTenant refuses the tenants this API does not serve, and sees the tenant id', async () => {
      const asked: string[] = [];
      const onlyAcme = { ...options, servesTenant: async (tenant: string) => (asked.push(tenant), tenant === 'acme') };
      assert.equal((await verifyAccessToken(await tokenOf('acme'), onlyAcme)).tenant, 'acme');
      await assertInvalid(verifyAccessToken(await tokenOf('beta'), onlyAcme), "the token's tenant is not served by this API");
      await assertInvalid(verifyAccessToken(await tokenOf('default'), onlyAcme), "the token's tenant is not served by this API");
      assert.deepEqual(asked, ['acme', 'beta', 'default']);
    });

    test('a tenant that does not exist fetches a JWKS the server does not have: invalid_token, not a 5xx', async () => {
      const claims = decodeJwt(await tokenOf('acme'));
      const token = await signedBy(tenants.acme, { ...claims, iss: issuerOf('nobody'), tenant: 'nobody' });
      await assertInvalid(verifyAccessToken(token, options), "no keys were found for the token's issuer");
    });

    test('Express middleware takes the tenant options as they are and hands the tenant to the route', async () => {
      const app = express();
      app.use('/orders', expressBearer({ realm: 'orders', ...options }));
      app.get('/orders', (req, res) => {
        const { auth } = req as typeof req & { auth: AccessTokenClaims };
        res.json({ tenant: auth.tenant, sub: auth.sub });
      });
      const listener = app.listen(0, '127.0.0.1');
      await once(listener, 'listening');
      try {
        const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/orders`;
        for (const tenant of ['acme', 'beta']) {
          const response = await fetch(url, { headers: { authorization: `Bearer ${await tokenOf(tenant)}` } });
          assert.equal(response.status, 200);
          assert.deepEqual(await response.json(), { tenant, sub: apps[tenant]!.id });
        }
        const claims = decodeJwt(await tokenOf('acme'));
        const mismatched = await signedBy(tenants.acme, { ...claims, tenant: 'beta' });
        const refused = await fetch(url, { headers: { authorization: `Bearer ${mismatched}` } });
        assert.equal(refused.status, 401);
        const description = "the token's tenant claim is not accepted";
        assert.equal(
          refused.headers.get('www-authenticate'),
          `Bearer realm="orders", error="invalid_token", error_description="${description}"`,
        );
        assert.deepEqual(await refused.json(), { error: 'invalid_token', error_description: description });
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    });
  });
}

/** A platform's JWKS endpoints on a real HTTP server, one key per tenant, counting every fetch by path. */
interface JwksServer {
  base: string;
  fetches: Map<string, number>;
  sign(tenant: string, claims: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>;
  close(): Promise<void>;
}

async function startJwksServer(): Promise<JwksServer> {
  // The promise is kept, so tokens signed at once for a new tenant share its one key.
  const keys = new Map<string, ReturnType<typeof generateKeyPair>>();
  const keyOf = (tenant: string) => {
    if (!keys.has(tenant)) keys.set(tenant, generateKeyPair('ES256'));
    return keys.get(tenant)!;
  };
  const fetches = new Map<string, number>();
  const served = ['acme', 'beta', 'gamma', 'attacker'];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    const tenant = /^\/(?:t\/)?([a-z]+)\/\.well-known\/jwks\.json$/.exec(path)?.[1];
    if (tenant === undefined || !served.includes(tenant)) return response.writeHead(404).end();
    keyOf(tenant).then(async ({ publicKey }) => {
      const jwk = { ...(await exportJWK(publicKey)), kid: tenant, alg: 'ES256', use: 'sig' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetches,
    async sign(tenant, claims, header = {}) {
      const { privateKey } = await keyOf(tenant);
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: tenant, ...header }).sign(privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('remoteJwksByIssuer against a real JWKS server', () => {
  let jwks: JwksServer;
  const AUDIENCE = 'https://api.example.com';
  const issuerOf = (tenant: string) => `${jwks.base}/t/${tenant}`;
  const claimsOf = (tenant: string, overrides: Record<string, unknown> = {}): JWTPayload => ({
    iss: issuerOf(tenant),
    tenant,
    sub: 'user',
    aud: AUDIENCE,
    client_id: 'app',
    iat: now(),
    exp: now() + 60,
    jti: `${tenant}-${Math.random()}`,
    ...overrides,
  });
  const tokenOf = (tenant: string, overrides: Record<string, unknown> = {}) => jwks.sign(tenant, claimsOf(tenant, overrides));
  const optionsWith = (extra: Partial<VerifyAccessTokenOptions> = {}): VerifyAccessTokenOptions => ({
    issuer: { pattern: `${jwks.base}/t/{tenant}` },
    audience: AUDIENCE,
    keys: remoteJwksByIssuer(),
    ...extra,
  });
  const fetched = () => Object.fromEntries(jwks.fetches);
  const jwksPath = (tenant: string) => `/t/${tenant}/.well-known/jwks.json`;

  before(async () => {
    jwks = await startJwksServer();
  });
  beforeEach(() => jwks.fetches.clear());
  after(() => jwks.close());

  test("each issuer's JWKS is fetched once, however many tokens (at once or one after another) it verifies", async () => {
    const options = optionsWith();
    const tokens = await Promise.all(['acme', 'beta', 'acme', 'beta', 'acme'].map((tenant) => tokenOf(tenant)));
    const verified = await Promise.all(tokens.map((token) => verifyAccessToken(token, options)));
    assert.deepEqual(
      verified.map((claims) => claims.tenant),
      ['acme', 'beta', 'acme', 'beta', 'acme'],
    );
    for (const token of tokens) await verifyAccessToken(token, options);
    assert.deepEqual(fetched(), { [jwksPath('acme')]: 1, [jwksPath('beta')]: 1 });
  });

  test('beyond maxIssuers the least recently used issuer is dropped, and fetched again on its next token', async () => {
    const options = optionsWith({ keys: remoteJwksByIssuer({ maxIssuers: 2 }) });
    for (const tenant of ['acme', 'beta', 'acme', 'gamma', 'beta', 'beta', 'gamma']) {
      assert.equal((await verifyAccessToken(await tokenOf(tenant), options)).tenant, tenant);
    }
    // acme, beta; acme used again; gamma drops beta; beta drops acme; gamma is still kept.
    assert.deepEqual(fetched(), { [jwksPath('acme')]: 1, [jwksPath('beta')]: 2, [jwksPath('gamma')]: 1 });
    assert.throws(() => remoteJwksByIssuer({ maxIssuers: 0 }), TypeError);
  });

  test('servesTenant refuses before any JWKS is fetched', async () => {
    const asked: string[] = [];
    const options = optionsWith({ servesTenant: (tenant) => (asked.push(tenant), tenant === 'acme') });
    await assertInvalid(verifyAccessToken(await tokenOf('beta'), options), "the token's tenant is not served by this API");
    await assertInvalid(verifyAccessToken(await tokenOf('gamma'), options), "the token's tenant is not served by this API");
    assert.deepEqual(asked, ['beta', 'gamma']);
    assert.deepEqual(fetched(), {}, 'no JWKS was fetched for a tenant the API does not serve');
    assert.equal((await verifyAccessToken(await tokenOf('acme'), options)).tenant, 'acme');
    assert.deepEqual(fetched(), { [jwksPath('acme')]: 1 });
  });

  test("a token naming another tenant than its issuer's is refused", async () => {
    const options = optionsWith();
    await assertInvalid(verifyAccessToken(await tokenOf('acme', { tenant: 'beta' }), options), "the token's tenant claim is not accepted");
    await assertInvalid(
      verifyAccessToken(await tokenOf('acme', { tenant: undefined }), options),
      "the token's tenant claim is not accepted",
    );
    await assertInvalid(verifyAccessToken(await tokenOf('acme', { tenant: ['acme'] }), options), 'the token has malformed claims');
    // Signed by beta's key under acme's issuer: acme's keys do not verify it.
    await assertInvalid(
      verifyAccessToken(await jwks.sign('beta', claimsOf('acme'), { kid: 'acme' }), options),
      'the token signature is invalid',
    );
  });

  test('issuers the pattern does not match are refused without a single fetch, whatever the token points at', async () => {
    const options = optionsWith();
    const refused = [
      `${jwks.base}/t/acme/../x`,
      `${jwks.base}/t/acme.evil.com`,
      `${jwks.base}/t/acme/`,
      `${jwks.base}/t/ACME`,
      `${jwks.base}/t/`,
      `${jwks.base}/t/attacker/.well-known/jwks.json#`,
      `${jwks.base}/attacker`,
      jwks.base,
      'https://evil.example.com/t/acme',
      '',
    ];
    for (const iss of refused) {
      await assertInvalid(verifyAccessToken(await tokenOf('acme', { iss }), options), "the token's iss claim is not accepted");
    }
    for (const iss of [undefined, 42, [issuerOf('acme')]]) {
      await assertInvalid(verifyAccessToken(await tokenOf('acme', { iss }), options), "the token's iss claim is not accepted");
    }
    await assertInvalid(verifyAccessToken('not.a.jwt', options), 'the token is malformed');
    assert.deepEqual(fetched(), {});
  });

  test('jku and x5u are never followed: the keys are those of the matched issuer only', async () => {
    const options = optionsWith();
    const header = {
      kid: 'attacker',
      jku: `${jwks.base}/attacker/.well-known/jwks.json`,
      x5u: `${jwks.base}/attacker/.well-known/jwks.json`,
    };
    const token = await jwks.sign('attacker', claimsOf('acme'), header);
    await assertInvalid(verifyAccessToken(token, options), 'the token was not signed by a known key');
    assert.deepEqual(fetched(), { [jwksPath('acme')]: 1 }, "only acme's JWKS, from its issuer");
  });

  test('host-based tenants, with the JWKS location given by a function of the matched issuer', async () => {
    const located: unknown[] = [];
    const options = optionsWith({
      issuer: [{ issuer: 'http://auth.test', tenant: 'default' }, { pattern: 'http://{tenant}.auth.test' }],
      keys: remoteJwksByIssuer({
        jwksUri: (matched) => (
          located.push(matched), `${jwks.base}/${matched.tenant === 'default' ? 'gamma' : matched.tenant}/.well-known/jwks.json`
        ),
      }),
    });
    const claims = await verifyAccessToken(await tokenOf('acme', { iss: 'http://acme.auth.test' }), options);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.iss, 'http://acme.auth.test');
    const root = await jwks.sign('gamma', claimsOf('default', { iss: 'http://auth.test' }), { kid: 'gamma' });
    assert.equal((await verifyAccessToken(root, options)).tenant, 'default');
    await assertInvalid(
      verifyAccessToken(await tokenOf('acme', { iss: 'http://acme.evil.test' }), options),
      "the token's iss claim is not accepted",
    );
    assert.deepEqual(located, [
      { issuer: 'http://acme.auth.test', tenant: 'acme' },
      { issuer: 'http://auth.test', tenant: 'default' },
    ]);
    assert.deepEqual(fetched(), { '/acme/.well-known/jwks.json': 1, '/gamma/.well-known/jwks.json': 1 });
  });

  test('a JWKS server that is down is an outage, not an invalid token', async () => {
    const options = optionsWith({ issuer: { pattern: 'http://127.0.0.1:9/t/{tenant}' } });
    const token = await jwks.sign('acme', claimsOf('acme', { iss: 'http://127.0.0.1:9/t/acme' }));
    await assert.rejects(verifyAccessToken(token, options), (error: unknown) => {
      assert.ok(!(error instanceof InvalidTokenError), `a JWKS fetch failure became ${String(error)}`);
      return true;
    });
  });
});
