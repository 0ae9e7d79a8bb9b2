import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { authorize, createAlice, refresh, type Tokens, tokensFor, webApp } from './helpers/code-flow.js';
import type { TestServer } from './helpers/server.js';
import { startTestServer } from './helpers/server.js';
import type { Credentials } from './helpers/tokens.js';

/**
 * Issue 14, item 2: a refresh-token rotation is the lookup and one write, both prepared statements on PostgreSQL
 * (the write one CTE: swap the family, record the new access and refresh tokens), and what it stores is the same
 * on both databases.
 */

const SCOPE = 'openid offline';
const hashBytes = (token: string) => Buffer.from(sha256Hex(token), 'hex');

/** The statements the server's pool connections sent to PostgreSQL while `work` ran, with their prepared names. */
async function statementsDuring(work: () => Promise<void>): Promise<{ name: string | undefined; text: string }[]> {
  const sent: { name: string | undefined; text: string }[] = [];
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === 'string') sent.push({ name: undefined, text: first });
    else if (first !== null && typeof first === 'object' && 'text' in first)
      sent.push({ name: (first as { name?: string }).name, text: String(first.text) });
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
  }
  return sent;
}

for (const backend of backends()) {
  describe(`refresh rotation writes (${backend.name})`, () => {
    let server: TestServer;
    let web: Credentials;
    before(async () => {
      server = await startTestServer(backend);
      await createAlice(server);
      web = await webApp(server);
    });
    after(() => server.close());

    const family = async () => tokensFor(server, web, await authorize(server, { clientId: web.clientId, scope: SCOPE }));
    const grantOf = (token: string) =>
      server.server.gatehouse.store.db
        .selectFrom('grants')
        .innerJoin('refresh_tokens', 'refresh_tokens.grant_id', 'grants.id')
        .select([
          'grants.id',
          'grants.refresh_token_hash',
          'grants.refresh_token_issued_at',
          'grants.rotated_token_hash',
          'grants.rotated_at',
        ])
        .where('refresh_tokens.token_hash', '=', hashBytes(token))
        .executeTakeFirstOrThrow();
    const refreshRow = (token: string) =>
      server.server.gatehouse.store.db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', hashBytes(token))
        .executeTakeFirst();
    const accessRow = (accessToken: string) =>
      server.server.gatehouse.store.db
        .selectFrom('grant_access_tokens')
        .selectAll()
        .where('jti', '=', String(decodeJwt(accessToken).jti))
        .executeTakeFirst();

    test('a rotation retires the presented token and records the new access and refresh tokens under the grant', async () => {
      const first = await family();
      const grant = await grantOf(first.refresh_token!);
      const answer = await refresh(server, web, first.refresh_token!);
      assert.equal(answer.status, 200, answer.text);
      const second = answer.body as Tokens;
      const rotated = await grantOf(first.refresh_token!);
      assert.equal(rotated.id, grant.id);
      assert.equal(rotated.refresh_token_hash, sha256Hex(second.refresh_token!));
      assert.equal(rotated.rotated_token_hash, sha256Hex(first.refresh_token!));
      assert.ok(rotated.rotated_at !== null && rotated.refresh_token_issued_at !== null);
      const refreshed = await refreshRow(second.refresh_token!);
      assert.equal(refreshed?.grant_id, grant.id);
      assert.equal(refreshed?.tenant_id, 'default');
      assert.ok(Number(refreshed?.expires_at) > Date.now() / 1000);
      const access = await accessRow(second.access_token);
      assert.deepEqual(
        { grant: access?.grant_id, client: access?.client_id, tenant: access?.tenant_id, exp: Number(access?.expires_at) },
        { grant: grant.id, client: web.clientId, tenant: 'default', exp: decodeJwt(second.access_token).exp },
      );
      // The retired token's row stays, for reuse detection (RFC 9700 §4.14.2).
      assert.ok(await refreshRow(first.refresh_token!));
    });

    test('a retry within the reuse window replaces the live token but keeps the first rotation’s record', async () => {
      const first = await family();
      const second = (await refresh(server, web, first.refresh_token!)).body as Tokens;
      const before = await grantOf(first.refresh_token!);
      const retried = await refresh(server, web, first.refresh_token!);
      assert.equal(retried.status, 200, retried.text);
      const third = retried.body as Tokens;
      const after = await grantOf(first.refresh_token!);
      assert.equal(after.refresh_token_hash, sha256Hex(third.refresh_token!));
      assert.deepEqual([after.rotated_token_hash, after.rotated_at], [before.rotated_token_hash, before.rotated_at]);
      assert.equal((await accessRow(third.access_token))?.grant_id, before.id);
      // The successor the retry superseded is now reuse: the family is revoked, and nothing more is recorded.
      const reused = await refresh(server, web, second.refresh_token!);
      assert.equal(reused.status, 400, reused.text);
      const revoked = await server.server.gatehouse.store.db
        .selectFrom('grants')
        .select('revoked_at')
        .where('id', '=', before.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(revoked.revoked_at, null);
      assert.equal((await grantOf(first.refresh_token!)).refresh_token_hash, sha256Hex(third.refresh_token!));
    });

    if (backend.name === 'postgres') {
      test('a rotation is two prepared statements: the lookup, then one that swaps the family and records the tokens', async () => {
        let tokens = await family();
        // The first refresh fills the caches (client, user, keys) as a running server has them.
        tokens = (await refresh(server, web, tokens.refresh_token!)).body as Tokens;
        for (let i = 0; i < 3; i++) {
          let answer: Awaited<ReturnType<typeof refresh>> | undefined;
          const sent = await statementsDuring(async () => {
            answer = await refresh(server, web, tokens.refresh_token!);
          });
          assert.equal(answer?.status, 200, answer?.text);
          tokens = answer!.body as Tokens;
          assert.equal(sent.length, 2, sent.map((s) => s.text).join('\n'));
          const [lookup, write] = sent;
          assert.match(lookup!.text, /^select .* from "refresh_tokens" inner join "grants"/);
          assert.match(
            write!.text,
            /^with "swapped" as \(update "grants" .*insert into "grant_access_tokens" .*insert into "refresh_tokens"/,
          );
          assert.ok(lookup!.name && write!.name && lookup!.name !== write!.name, 'both are named (prepared) statements');
        }
      });
    }
  });
}
