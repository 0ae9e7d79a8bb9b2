import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nowSeconds } from '../src/ports/clock.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { assertOAuthError, authorize, createAlice, refresh, type Tokens, tokensFor, webApp } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, introspect } from './helpers/tokens.js';

const TOKEN_TTL = 3600;
type Introspected = { active: boolean; exp?: number; iat?: number };
const FAMILY_LIFETIME = 7200;

/**
 * A refresh-token family ends GATEHOUSE_REFRESH_FAMILY_LIFETIME after its grant began, however often it rotated
 * (issue 9, item 14): before, each rotation started a new token TTL, so a family lived for ever. A family is made
 * old by moving its grant's creation back, as a clock moved forward would see it.
 */
for (const backend of backends()) {
  describe(`refresh-token family lifetime (${backend.name})`, () => {
    let server: TestServer;
    let app: Credentials;
    const db = () => server.server.gatehouse.store.db;
    const newFamily = async (): Promise<Tokens> =>
      tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: 'openid offline' }));
    const hashOf = (token: string) => Buffer.from(sha256Hex(token), 'hex');
    const refreshTokens = () => db().selectFrom('refresh_tokens').selectAll();
    const tokenRow = (token: string) => refreshTokens().where('token_hash', '=', hashOf(token)).executeTakeFirstOrThrow();
    const grantOf = async (token: string) =>
      db()
        .selectFrom('grants')
        .selectAll()
        .where('id', '=', (await tokenRow(token)).grant_id)
        .executeTakeFirstOrThrow();
    const tokensOfGrant = (grantId: string) =>
      refreshTokens().where('grant_id', '=', grantId).orderBy('expires_at').orderBy('token_hash').execute();
    /** Makes the family of `token` have begun `age` seconds ago; returns when it ends. */
    const ageFamily = async (token: string, age: number): Promise<number> => {
      const startedAt = nowSeconds() - age;
      await db()
        .updateTable('grants')
        .set({ created_at: startedAt })
        .where('id', '=', (await grantOf(token)).id)
        .execute();
      return startedAt + FAMILY_LIFETIME;
    };
    const introspected = async (token: string) => (await introspect(server, app, token)).body as Introspected;

    before(async () => {
      server = await startTestServer(backend, {
        GATEHOUSE_REFRESH_TOKEN_TTL: String(TOKEN_TTL),
        GATEHOUSE_REFRESH_FAMILY_LIFETIME: String(FAMILY_LIFETIME),
      });
      await createAlice(server);
      app = await webApp(server);
    });
    after(() => server?.close());

    test('a rotated token never outlives its family: its exp is capped, in the store and at introspection', async () => {
      const first = await newFamily();
      const young = await introspected(first.refresh_token!);
      assert.equal(young.exp! - young.iat!, TOKEN_TTL, 'a young family gives its token the whole TTL');

      // Half an hour of the family left, less than the TTL.
      const familyEnd = await ageFamily(first.refresh_token!, FAMILY_LIFETIME - 1800);
      const refreshed = await refresh(server, app, first.refresh_token!);
      assert.equal(refreshed.status, 200, refreshed.text);
      const next = (refreshed.body as Tokens).refresh_token!;
      assert.equal((await tokenRow(next)).expires_at, familyEnd);
      const seen = await introspected(next);
      assert.equal(seen.active, true);
      assert.equal(seen.exp, familyEnd);
      assert.ok(seen.iat! >= nowSeconds() - 5 && seen.iat! < familyEnd);
    });

    test('past its lifetime the family is refused with invalid_grant and left as it was', async () => {
      const first = await newFamily();
      const rotated = await refresh(server, app, first.refresh_token!);
      assert.equal(rotated.status, 200, rotated.text);
      const live = (rotated.body as Tokens).refresh_token!;
      await ageFamily(live, FAMILY_LIFETIME + 1);
      const grant = await grantOf(live);
      const tokens = await tokensOfGrant(grant.id);

      assertOAuthError(await refresh(server, app, live), 400, 'invalid_grant');
      // The retired token is not taken for reuse either: the family is over, there is nothing left to revoke.
      assertOAuthError(await refresh(server, app, first.refresh_token!), 400, 'invalid_grant');
      assert.deepEqual(await introspected(live), { active: false });

      assert.deepEqual(await grantOf(live), grant, 'the family was changed');
      assert.deepEqual(await tokensOfGrant(grant.id), tokens);
      const reuse = await db().selectFrom('audit_events').select('id').where('action', '=', 'refresh_token.reused').execute();
      assert.deepEqual(reuse, []);
    });

    test('a token issued before the family lifetime existed ends with its family', async () => {
      const { refresh_token: token } = await newFamily();
      // As issued by a server without the family lifetime: a whole TTL after the family's last rotation.
      const oldStyleExpiry = nowSeconds() + TOKEN_TTL;
      await db().updateTable('refresh_tokens').set({ expires_at: oldStyleExpiry }).where('token_hash', '=', hashOf(token!)).execute();
      const familyEnd = await ageFamily(token!, FAMILY_LIFETIME - 600);
      assert.equal((await introspected(token!)).exp, familyEnd, 'introspection reports the expiry in force');

      await ageFamily(token!, FAMILY_LIFETIME + 1);
      assert.deepEqual(await introspected(token!), { active: false });
      assertOAuthError(await refresh(server, app, token!), 400, 'invalid_grant');
    });
  });
}
