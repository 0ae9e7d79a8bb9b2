import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { systemActor } from '../src/admin/audit-log.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { RevocationRepository } from '../src/store/revocations.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import {
  type Answer,
  type Credentials,
  getWith,
  introspect,
  postForm,
  resignedByForeignKey,
  revoke,
  signWithForeignKey,
  tamper,
  tokenFor,
  unsecured,
} from './helpers/tokens.js';

const INVALID_CLIENT_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

function assertInactive(answer: Answer): void {
  assert.equal(answer.status, 200);
  assert.equal(answer.text, '{"active":false}');
  assert.deepEqual(answer.body, { active: false });
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(answer.headers.get('pragma'), 'no-cache');
}

/** `basicChallenge`: the client tried HTTP Basic, so a 401 must name the scheme (RFC 6749 §5.2); otherwise no challenge. */
function assertError(answer: Answer, status: number, error: string, description: string, basicChallenge = false): void {
  assert.equal(answer.status, status);
  assert.deepEqual(answer.body, { error, error_description: description });
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(answer.headers.get('www-authenticate'), basicChallenge ? INVALID_CLIENT_CHALLENGE : null);
}

/** RFC 7009 §2.2: 200 with an empty body, not cacheable. */
function assertRevoked(answer: Answer): void {
  assert.equal(answer.status, 200);
  assert.equal(answer.text, '');
  assert.equal(answer.headers.get('cache-control'), 'no-store');
}

for (const backend of backends()) {
  describe(`revocation (RFC 7009) and introspection (RFC 7662) (${backend.name})`, () => {
    let server: TestServer;
    let alice: Credentials;
    let bob: Credentials;
    /** A resource server: may introspect the tokens of every client. */
    let resourceServer: Credentials;
    const newToken = (credentials = alice) => tokenFor(server, credentials, { scope: 'demo:read' });
    /** A token of alice's with demo:read whose lifetime is `ttl` seconds (negative: expired that long ago). */
    const issueExpired = async (ttl: number) =>
      (
        await server.server.gatehouse.accessTokens.issue({
          subject: alice.clientId,
          clientId: alice.clientId,
          audience: `${server.issuer}/api`,
          scopes: ['demo:read'],
          ttl,
        })
      ).token;

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read', 'orders:read']);
      alice = await server.createClient({ name: 'Alice', roles: ['reader'] });
      bob = await server.createClient({ name: 'Bob', roles: ['reader'] });
      resourceServer = await server.createClient({ name: 'Orders API', introspection: true });
    });
    after(() => server.close());

    describe('introspection', () => {
      test('requires client authentication', async () => {
        const token = await newToken();
        assertError(await introspect(server, undefined, token), 401, 'invalid_client', 'no client authentication was included');
        const wrong = { clientId: alice.clientId, clientSecret: `${alice.clientSecret}x` };
        assertError(await introspect(server, wrong, token), 401, 'invalid_client', 'client authentication failed', true);
        const posted = await postForm(server, '/oauth2/introspect', { token, client_id: alice.clientId, client_secret: 'wrong' });
        assertError(posted, 401, 'invalid_client', 'client authentication failed');
        const unknown = { clientId: 'no-such-client', clientSecret: alice.clientSecret };
        assertError(await introspect(server, unknown, token), 401, 'invalid_client', 'client authentication failed', true);
      });

      test('an active token is described by all its claims and token_type Bearer, to its client and a resource server', async () => {
        const token = await newToken();
        const claims = decodeJwt(token);
        for (const credentials of [alice, resourceServer]) {
          const answer = await introspect(server, credentials, token);
          assert.equal(answer.status, 200);
          assert.equal(answer.headers.get('cache-control'), 'no-store');
          assert.equal(answer.headers.get('pragma'), 'no-cache');
          assert.deepEqual(answer.body, {
            active: true,
            scope: 'demo:read',
            client_id: alice.clientId,
            sub: alice.clientId,
            aud: `${server.issuer}/api`,
            iss: server.issuer,
            exp: claims.exp,
            iat: claims.iat,
            jti: claims.jti,
            token_type: 'Bearer',
          });
        }
      });

      test('client_secret_post is accepted as well as HTTP Basic', async () => {
        const token = await newToken();
        const { clientId, clientSecret } = resourceServer;
        const answer = await postForm(server, '/oauth2/introspect', { token, client_id: clientId, client_secret: clientSecret });
        assert.equal(answer.status, 200);
        assert.equal((answer.body as { active: boolean }).active, true);
      });

      const inactive: [string, () => Promise<string>][] = [
        [
          'a revoked token',
          async () => {
            const token = await newToken();
            assertRevoked(await revoke(server, alice, token));
            return token;
          },
        ],
        ['an expired token', async () => issueExpired(-10)],
        ['a token re-signed by a foreign key under the same kid', async () => resignedByForeignKey(await newToken())],
        ['a forged token (payload altered, original signature)', async () => tamper(await newToken(), { scope: 'demo:read admin' })],
        ['a forged token naming another client', async () => tamper(await newToken(), { client_id: bob.clientId, sub: bob.clientId })],
        [
          'a token with alg none',
          async () => {
            const token = await newToken();
            return unsecured(decodeJwt(token), { kid: decodeProtectedHeader(token).kid });
          },
        ],
        [
          'a token signed by an unknown key',
          async () => {
            return signWithForeignKey(decodeJwt(await newToken()), { alg: 'ES256', typ: 'at+jwt', kid: 'unknown-key' });
          },
        ],
        [
          'a token of a client that was revoked afterwards',
          async () => {
            const doomed = await server.createClient({ name: 'Doomed', roles: ['reader'] });
            const token = await newToken(doomed);
            await server.server.gatehouse.management.clients.revokeClient(doomed.clientId, systemActor());
            return token;
          },
        ],
        ['a garbage string', async () => 'this-is-not-a-token'],
        ['a garbage string with dots', async () => 'a.b.c'],
        ['an opaque-looking value', async () => 'gate_at_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef123456'],
        ['an empty-looking JWT (..)', async () => '..'],
        ['an empty-looking JWT (e30.e30.)', async () => 'e30.e30.'],
        ['a JWT of empty objects with a signature', async () => 'e30.e30.e30'],
        // RFC 7662 §2.2: a token that does not exist on this server is inactive, whatever its length.
        ['an over-long garbage string (5000 characters)', async () => 'x'.repeat(5000)],
      ];
      for (const [name, make] of inactive) {
        test(`exactly {"active":false} for ${name}`, async () => {
          assertInactive(await introspect(server, resourceServer, await make()));
        });
      }

      test('a missing token is invalid_request', async () => {
        const answer = await postForm(server, '/oauth2/introspect', {}, bob);
        assertError(answer, 400, 'invalid_request', 'the token parameter is missing');
      });
    });

    describe('revocation', () => {
      test('a revoked token is inactive at introspection and refused by the demo API', async () => {
        const token = await newToken();
        assert.equal((await getWith(server, '/api/demo/whoami', `Bearer ${token}`)).status, 200);
        assertRevoked(await revoke(server, alice, token));
        assertInactive(await introspect(server, alice, token));
        const refused = await getWith(server, '/api/demo/whoami', `Bearer ${token}`);
        assert.equal(refused.status, 401);
        assert.deepEqual(refused.body, { error: 'invalid_token', error_description: 'the token has been revoked' });
        assert.equal(
          refused.headers.get('www-authenticate'),
          'Bearer realm="gatehouse-demo", error="invalid_token", error_description="the token has been revoked"',
        );
      });

      test('unknown and garbage tokens are answered 200 with an empty body', async () => {
        for (const token of ['this-is-not-a-token', '..', tamper(await newToken(), { scope: 'admin' })]) {
          assertRevoked(await revoke(server, alice, token));
        }
      });

      test('an over-long garbage token (5000 characters) is answered 200 (RFC 7009 §2.2: invalid tokens cause no error)', async () => {
        assertRevoked(await revoke(server, alice, 'x'.repeat(5000)));
      });

      test('revoking twice answers 200 both times', async () => {
        const token = await newToken();
        assertRevoked(await revoke(server, alice, token));
        assertRevoked(await revoke(server, alice, token));
        assertInactive(await introspect(server, alice, token));
      });

      test('a client may not revoke the token of another client', async () => {
        const token = await newToken(alice);
        assertError(await revoke(server, bob, token), 400, 'invalid_request', 'the token was not issued to this client');
        const still = await introspect(server, alice, token);
        assert.equal((still.body as { active: boolean }).active, true);
      });

      test('a missing token is invalid_request', async () => {
        assertError(await postForm(server, '/oauth2/revoke', {}, alice), 400, 'invalid_request', 'the token parameter is missing');
      });

      test('requires client authentication, and the token survives a refused request', async () => {
        const token = await newToken();
        assertError(await revoke(server, undefined, token), 401, 'invalid_client', 'no client authentication was included');
        const wrong = { clientId: alice.clientId, clientSecret: 'gate_cs_wrong' };
        assertError(await revoke(server, wrong, token), 401, 'invalid_client', 'client authentication failed', true);
        assert.equal(((await introspect(server, alice, token)).body as { active: boolean }).active, true);
      });

      for (const hint of ['access_token', 'refresh_token', 'something_unknown']) {
        test(`token_type_hint=${hint} is accepted and the token is revoked`, async () => {
          const token = await newToken();
          assertRevoked(await revoke(server, alice, token, { token_type_hint: hint }));
          assertInactive(await introspect(server, alice, token, { token_type_hint: hint }));
        });
      }

      test('a token the demo API still accepts (expired 2 s ago, inside its leeway) is refused once revoked', async () => {
        const token = await issueExpired(-2);
        assert.equal((await getWith(server, '/api/demo/items', `Bearer ${token}`)).status, 200);
        assertRevoked(await revoke(server, alice, token));
        assert.equal((await getWith(server, '/api/demo/items', `Bearer ${token}`)).status, 401);
      });

      test('purging expired revocations does not readmit a revoked token the demo API would still accept', async () => {
        const token = await issueExpired(-2);
        const { jti, client_id, exp } = decodeJwt(token) as { jti: string; client_id: string; exp: number };
        // As the endpoint records a token revoked while it was valid; it expired 2 s ago, inside the verifier's leeway.
        const revocations = new RevocationRepository(server.server.gatehouse.store, DEFAULT_TENANT);
        await revocations.revoke(jti, client_id, exp);
        assert.equal((await getWith(server, '/api/demo/items', `Bearer ${token}`)).status, 401);
        await revocations.purgeExpired();
        assert.equal((await getWith(server, '/api/demo/items', `Bearer ${token}`)).status, 401);
      });

      test('client_secret_post is accepted as well as HTTP Basic', async () => {
        const token = await newToken();
        assertRevoked(await postForm(server, '/oauth2/revoke', { token, client_id: alice.clientId, client_secret: alice.clientSecret }));
        assertInactive(await introspect(server, alice, token));
      });
    });
  });
}
