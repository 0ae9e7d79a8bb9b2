import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AccessTokenClaims, DEFAULT_CLOCK_TOLERANCE } from '@gatehouse/resource';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { GrantRepository } from '../src/store/grants.js';
import { EXPIRED_TOKEN_MARGIN_SECONDS } from '../src/store/purge.js';
import { RevocationRepository } from '../src/store/revocations.js';
import { backends } from './helpers/backends.js';
import { authorize, createAlice, FULL_SCOPE, tokensFor, webApp } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { revoke } from './helpers/tokens.js';

/**
 * Issue 9, item 11. A verifier accepts a token up to DEFAULT_CLOCK_TOLERANCE (5 s) past its `exp`; whether its grant
 * was revoked is known only from the token's record (grant_access_tokens). Before the margin (the purge deleted
 * the record at `exp`), a purge in those 5 s made a revoked token acceptable again.
 */
for (const backend of backends()) {
  describe(`a token whose grant was revoked stays refused within the verifier's leeway after exp (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());

    test('refused at exp + 3 s before and after a purge at that moment; the record goes only once the margin has passed', async () => {
      const { store, accessTokens } = server.server.gatehouse;
      await createAlice(server);
      const app = await webApp(server);
      const tokens = await tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: FULL_SCOPE }));
      // Revoking the refresh token revokes its grant, and with it every access token issued from it (RFC 7009 §2.1).
      assert.equal((await revoke(server, app, tokens.refresh_token!)).status, 200);
      const claims = decodeJwt(tokens.access_token) as AccessTokenClaims;
      const withinLeeway = claims.exp + DEFAULT_CLOCK_TOLERANCE - 2;

      // What a resource server checks at that moment: the signature and exp (with its leeway) pass...
      const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), {
        issuer: server.issuer,
        currentDate: new Date(withinLeeway * 1000),
        clockTolerance: DEFAULT_CLOCK_TOLERANCE,
      });
      // ...so only the revocation check stands between the token and the API.
      const revocations = new RevocationRepository(store, DEFAULT_TENANT);
      assert.equal(await revocations.isRevoked(claims.jti), true, 'refused before the purge');

      const grants = new GrantRepository(store, DEFAULT_TENANT);
      const purged = await grants.purgeExpired(withinLeeway);
      await revocations.purgeExpired(withinLeeway);
      assert.equal(purged.grant_access_tokens, 0, 'the record of a token still inside the leeway is kept');
      assert.equal(await revocations.isRevoked(claims.jti), true, 'refused after a purge at exp + 3 s');
      // The server's own check, not asked before (so nothing cached), says the same.
      assert.equal(await accessTokens.isRevoked(claims), true);

      // Past the margin, far beyond any verifier's leeway, the record may go: the token is refused for its exp.
      const pastMargin = claims.exp + EXPIRED_TOKEN_MARGIN_SECONDS + 1;
      assert.equal((await grants.purgeExpired(pastMargin)).grant_access_tokens, 1);
      const left = await store.db.selectFrom('grant_access_tokens').select('jti').where('jti', '=', claims.jti).execute();
      assert.deepEqual(left, []);
    });
  });
}
