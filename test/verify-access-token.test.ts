import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AccessTokenClaims,
  InsufficientScopeError,
  InvalidTokenError,
  remoteJwks,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from '@gatehouse/resource';
import { decodeJwt, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { backends } from './helpers/backends.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, claimsFor, signHs256, signWithForeignKey, signWithServerKey, tokenFor, unsecured } from './helpers/tokens.js';
import { assertInvalid } from './resource/assertions.js';

const now = () => Math.floor(Date.now() / 1000);

for (const backend of backends()) {
  describe(`verifyAccessToken with remoteJwks against a running server (${backend.name})`, () => {
    let server: TestServer;
    let client: Credentials;
    let keys: JWTVerifyGetKey;
    let audience: string;
    const verify = (token: string, options: Partial<VerifyAccessTokenOptions> = {}) =>
      verifyAccessToken(token, { issuer: server.issuer, audience, keys, ...options });
    const claims = (overrides: JWTPayload = {}) => claimsFor(server, client.clientId, overrides);
    const issued = (ttl: number) =>
      server.server.gatehouse.accessTokens.issue({
        subject: client.clientId,
        clientId: client.clientId,
        audience,
        scopes: ['demo:read'],
        ttl,
      });

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read', 'orders:read']);
      client = await server.createClient({ name: 'Resource test', roles: ['reader'] });
      keys = remoteJwks(`${server.issuer}/.well-known/jwks.json`);
      audience = `${server.issuer}/api`;
    });
    after(() => server.close());

    test('a token from the token endpoint passes and its claims are returned', async () => {
      const token = await tokenFor(server, client, { scope: 'demo:read orders:read' });
      const verified = await verify(token, { requiredScopes: ['orders:read', 'demo:read'] });
      assert.deepEqual(verified, decodeJwt(token));
      assert.equal(verified.client_id, client.clientId);
      assert.equal(verified.scope, 'demo:read orders:read');
    });

    test('the audience may be given as a list', async () => {
      const token = await tokenFor(server, client);
      assert.equal((await verify(token, { audience: ['https://elsewhere.example.com', audience] })).sub, client.clientId);
    });

    test('a wrong issuer is invalid_token', async () => {
      await assertInvalid(
        verify(await signWithServerKey(server, claims({ iss: 'https://evil.example.com' }))),
        "the token's iss claim is not accepted",
      );
      await assertInvalid(verify(await tokenFor(server, client), { issuer: `${server.issuer}/` }), "the token's iss claim is not accepted");
    });

    test('a wrong audience is invalid_token', async () => {
      await assertInvalid(
        verify(await tokenFor(server, client), { audience: 'https://orders.example.com' }),
        "the token's aud claim is not accepted",
      );
      await assertInvalid(
        verify(await signWithServerKey(server, claims({ aud: 'https://other.example.com' }))),
        "the token's aud claim is not accepted",
      );
    });

    test('expired beyond the 5 s leeway is invalid_token', async () => {
      await assertInvalid(verify((await issued(-10)).token), 'the token has expired');
    });

    test('expired by 2 s still passes within the default leeway, and not without one', async () => {
      const { token } = await issued(-2);
      assert.equal((await verify(token)).sub, client.clientId);
      await assertInvalid(verify(token, { clockTolerance: 0 }), 'the token has expired');
    });

    test('nbf in the future is invalid_token', async () => {
      await assertInvalid(verify(await signWithServerKey(server, claims({ nbf: now() + 60 }))), "the token's nbf claim is not accepted");
    });

    test('typ JWT instead of at+jwt is invalid_token', async () => {
      await assertInvalid(verify(await signWithServerKey(server, claims(), { typ: 'JWT' })), "the token's typ claim is not accepted");
      const untyped = await signWithServerKey(server, claims(), { typ: undefined });
      await assertInvalid(verify(untyped), "the token's typ claim is not accepted");
    });

    test('typ application/at+jwt is accepted (RFC 9068 §2.1)', async () => {
      const token = await signWithServerKey(server, claims(), { typ: 'application/at+jwt' });
      assert.equal((await verify(token)).sub, client.clientId);
    });

    test('alg none is invalid_token', async () => {
      await assertInvalid(verify(unsecured(claims())), 'the token is signed with an algorithm that is not accepted');
    });

    test('HS256 signed with some secret is invalid_token', async () => {
      const kid = (await server.server.gatehouse.keys.signingKey('ES256')).kid;
      await assertInvalid(verify(await signHs256(claims(), { kid })), 'the token is signed with an algorithm that is not accepted');
    });

    test('RS256 by an unknown key is invalid_token', async () => {
      const token = await signWithForeignKey(claims(), { alg: 'RS256', typ: 'at+jwt', kid: 'not-a-gatehouse-key' });
      await assertInvalid(verify(token), 'the token was not signed by a known key');
    });

    test("ES256 by a foreign key under the server's kid is invalid_token", async () => {
      const kid = (await server.server.gatehouse.keys.signingKey('ES256')).kid;
      await assertInvalid(
        verify(await signWithForeignKey(claims(), { alg: 'ES256', typ: 'at+jwt', kid })),
        'the token signature is invalid',
      );
    });

    test('a token without client_id or with a non-string scope is invalid_token', async () => {
      await assertInvalid(
        verify(await signWithServerKey(server, claims({ client_id: undefined }))),
        "the token's client_id claim is not accepted",
      );
      await assertInvalid(verify(await signWithServerKey(server, claims({ scope: ['demo:read'] }))), 'the token has malformed claims');
    });

    test('a missing required scope is InsufficientScopeError', async () => {
      const token = await tokenFor(server, client, { scope: 'orders:read' });
      await assert.rejects(verify(token, { requiredScopes: ['orders:read', 'demo:read'] }), (error: unknown) => {
        assert.ok(error instanceof InsufficientScopeError);
        assert.equal(error.code, 'insufficient_scope');
        assert.deepEqual(error.requiredScopes, ['orders:read', 'demo:read']);
        assert.equal(error.message, 'the token lacks a required scope: orders:read demo:read');
        return true;
      });
    });

    test('isRevoked sees the claims, and true makes the token invalid_token', async () => {
      const token = await tokenFor(server, client);
      const seen: AccessTokenClaims[] = [];
      await assertInvalid(verify(token, { isRevoked: (c) => (seen.push(c), true) }), 'the token has been revoked');
      assert.deepEqual(seen, [decodeJwt(token)]);
      assert.equal((await verify(token, { isRevoked: async () => false })).jti, decodeJwt(token).jti);
    });

    test('algorithms narrows what is accepted', async () => {
      await assertInvalid(
        verify(await tokenFor(server, client), { algorithms: ['RS256'] }),
        'the token is signed with an algorithm that is not accepted',
      );
    });
  });
}

describe('verifyAccessToken when the JWKS cannot be fetched', () => {
  test('an unreachable JWKS is an outage, not an invalid token', async () => {
    const port = await freePort(); // nothing listens there
    const keys = remoteJwks(`http://127.0.0.1:${port}/.well-known/jwks.json`);
    const issuer = `http://127.0.0.1:${port}`;
    const token = await signWithForeignKey(
      { iss: issuer, sub: 'client', aud: `${issuer}/api`, client_id: 'client', iat: now(), exp: now() + 60, jti: 'j' },
      { alg: 'ES256', typ: 'at+jwt', kid: 'k' },
    );
    // A 401 invalid_token would make clients discard good tokens; the resource server should answer 5xx instead.
    await assert.rejects(verifyAccessToken(token, { issuer, audience: `${issuer}/api`, keys }), (error: unknown) => {
      assert.ok(!(error instanceof InvalidTokenError), `a JWKS fetch failure became ${String(error)}`);
      return true;
    });
  });
});
