import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { AuthorizationRequest } from '../src/oauth/authorization-request.js';
import { InteractionSeal } from '../src/oauth/interaction-seal.js';
import { nowSeconds } from '../src/ports/clock.js';
import type { Store } from '../src/store/database.js';
import {
  assertErrorCallback,
  assertErrorPage,
  assertInteraction,
  authorizePath,
  CHALLENGE,
  callback,
  cookieAttributes,
  decide,
  type Params,
  setCookie,
  signIn,
  VERIFIER,
} from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, postForm } from './helpers/tokens.js';

const CB = 'http://127.0.0.1:9999/cb';
const PASSWORD = 'correct horse';
const cookieName = (id: string) => `gh_interaction_${id}`;
const idOf = (target: string) => target.slice(-24);

/** Every row of every table, and the bytes the tables take (SQLite pages in use; PostgreSQL relations with indexes). */
async function footprint(store: Store): Promise<{ rows: number; bytes: number }> {
  const tables = (await store.db.introspection.getTables())
    .map((table) => table.name)
    .filter((name) => !name.startsWith('gatehouse_migrations'));
  let rows = 0;
  for (const table of tables) {
    const { count } = (await sql<{ count: number | string }>`select count(*) as count from ${sql.table(table)}`.execute(store.db)).rows[0]!;
    rows += Number(count);
  }
  const bytes =
    store.dialect === 'sqlite'
      ? Number(
          (
            await sql<{ bytes: number }>`select page_count * page_size as bytes from pragma_page_count(), pragma_page_size()`.execute(
              store.db,
            )
          ).rows[0]!.bytes,
        )
      : Number(
          (
            await sql<{ bytes: string }>`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c
              join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r'`.execute(store.db)
          ).rows[0]!.bytes,
        );
  return { rows, bytes };
}

/**
 * Issue 8 item 6: a pending authorization request lives in the browser that made it (an encrypted, integrity-protected
 * cookie), not in the database, until the user has signed in or consented — so anyone can send requests without
 * making the store grow.
 */
for (const backend of backends()) {
  describe(`pending authorization requests (${backend.name})`, () => {
    let server: TestServer;
    let loopback: { clientId: string };

    before(async () => {
      server = await startTestServer(backend);
      loopback = await server.createClient({ public: true, redirectUris: ['http://127.0.0.1/callback'] });
    });
    after(() => server.close());

    test('1,000 unauthenticated GETs /oauth2/authorize write no row and do not grow the database', async () => {
      const { store } = server.server.gatehouse;
      const path = authorizePath({
        client_id: loopback.clientId,
        redirect_uri: 'http://127.0.0.1:4242/callback',
        response_type: 'code',
        scope: 'openid',
        state: 'x'.repeat(43),
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      });
      const first = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      assertInteraction(first, 'login');
      const before = await footprint(store);
      const requests = 1000;
      for (let sent = 0; sent < requests; sent += 20) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}${path}`, { redirect: 'manual' })));
        for (const answer of answers) assertInteraction(answer, 'login');
      }
      const afterwards = await footprint(store);
      const grown = { rows: afterwards.rows - before.rows, bytes: afterwards.bytes - before.bytes };
      console.log(`${backend.name}: ${requests} unauthenticated authorization requests added ${grown.rows} rows and ${grown.bytes} bytes`);
      assert.equal(grown.rows, 0);
      // Not growing is the property; the size may drop when SQLite hands a free page back meanwhile (incremental vacuum).
      assert.ok(grown.bytes <= 0, `the database grew by ${grown.bytes} bytes`);
    });

    let users = 0;
    async function newUser(): Promise<string> {
      const username = `pending${++users}`;
      await server.server.gatehouse.management.users.createUser({ username, password: PASSWORD });
      return username;
    }
    const base = (extra: Params = {}): Params => ({
      client_id: web.clientId,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'openid',
      state: 'st',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    });
    const authorize = (b: TestBrowser, extra: Params = {}) => b.get(authorizePath(base(extra)));
    const codeRows = async () =>
      Number(
        (await sql<{ n: number | string }>`select count(*) as n from authorization_codes`.execute(server.server.gatehouse.store.db))
          .rows[0]!.n,
      );
    /** The request as a browser sent it, with this Cookie header. */
    const postWithCookies = (path: string, cookie: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    const getWithCookies = (path: string, cookie: string) => fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    const assertExpiredPage = async (response: Response, id: string) => {
      await assertErrorPage(response, 400, 'invalid_request', 'This sign-in link has expired');
      const cleared = setCookie(response, cookieName(id));
      assert.ok(cleared && cookieAttributes(cleared).includes('max-age=0'), `the unusable interaction cookie is not dropped: ${cleared}`);
    };

    let web: Credentials;
    before(async () => {
      web = await server.createClient({ name: 'Web App', grantTypes: ['authorization_code'], redirectUris: [CB] });
    });

    test('the interaction cookie: HttpOnly, SameSite=Lax, Path=/, expiring with the interaction; answered, it goes and one row is kept', async () => {
      const { db } = server.server.gatehouse.store;
      const b = new TestBrowser(server.url);
      const started = await authorize(b);
      const id = idOf(assertInteraction(started, 'login'));
      const line = setCookie(started, cookieName(id))!;
      assert.ok(line, 'no interaction cookie');
      const attributes = cookieAttributes(line);
      for (const attribute of ['httponly', 'samesite=lax', 'path=/'])
        assert.ok(attributes.includes(attribute), `${attribute} missing in ${line}`);
      const maxAge = Number(attributes.find((a) => a.startsWith('max-age='))?.slice(8));
      assert.ok(maxAge > 1700 && maxAge <= 1800, `Max-Age ${maxAge}`);
      const value = b.cookie(cookieName(id))!;
      console.log(`${backend.name}: a typical interaction cookie is ${cookieName(id).length + value.length + 1} bytes`);
      assert.ok(!value.includes('"') && !value.includes('openid'), 'the cookie holds the request in the clear');
      const consent = await signIn(b, `/login?interaction=${id}`, await newUser(), PASSWORD);
      assert.equal(idOf(assertInteraction(consent, 'consent', 303)), id);
      assert.notEqual(b.cookie(cookieName(id)), value, 'the sign-in is sealed into the interaction');
      assert.deepEqual(
        await db.selectFrom('interactions').selectAll().where('id', '=', id).execute(),
        [],
        'nothing is stored before the answer',
      );
      const answered = await decide(b, location(consent), 'allow');
      callback(answered, CB, 303);
      assert.ok(cookieAttributes(setCookie(answered, cookieName(id))!).includes('max-age=0'));
      assert.equal(b.cookie(cookieName(id)), undefined);
      const rows = await db.selectFrom('interactions').selectAll().where('id', '=', id).execute();
      assert.equal(rows.length, 1);
      assert.ok(Math.abs(Number(rows[0]!.expires_at) - (nowSeconds() + 1800)) < 60, 'kept as long as the interaction could be presented');
    });

    test('tampered, expired, foreign-browser, moved and foreign-key interaction cookies get the expired page, never a 500', async () => {
      const b = new TestBrowser(server.url);
      const id = idOf(assertInteraction(await authorize(b), 'login'));
      const other = idOf(assertInteraction(await authorize(b, { state: 'other' }), 'login'));
      const browser = `gh_browser=${b.cookie('gh_browser')}`;
      const value = b.cookie(cookieName(id))!;
      const seal = new InteractionSeal<AuthorizationRequest>(() => server.server.gatehouse.pageKeys.key('interactions'));
      const interaction = (await seal.open(id, value, b.cookie('gh_browser')!))!;
      assert.equal(interaction.request.clientId, web.clientId);
      const flipped = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const forgeries: [string, string][] = [
        ['a flipped ciphertext character', flipped(value, Math.floor(value.length / 2))],
        ['a flipped tag character', flipped(value, value.length - 3)],
        ['a truncated value', value.slice(0, -10)],
        ['garbage', 'x.y.z'],
        [
          'an unsecured JWT',
          `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ jti: id, req: interaction.request })).toString('base64url')}.`,
        ],
        ['expired', await seal.seal({ ...interaction, expiresAt: nowSeconds() - 1 }, b.cookie('gh_browser')!)],
        ["another interaction's value", b.cookie(cookieName(other))!],
        ['sealed for another browser', await seal.seal(interaction, randomBytes(32).toString('base64url'))],
        [
          'sealed under another key',
          await new InteractionSeal<AuthorizationRequest>(() => randomBytes(32)).seal(interaction, b.cookie('gh_browser')!),
        ],
      ];
      for (const [name, forged] of forgeries) {
        const response = await getWithCookies(`/login?interaction=${id}`, `${browser}; ${cookieName(id)}=${forged}`);
        await assertExpiredPage(response, id).catch((error: Error) => assert.fail(`${name}: ${error.message}`));
      }
      // Another browser with a copy of the cookie: neither the page nor a sign-in there works.
      const thief = new TestBrowser(server.url);
      const fields = hiddenFields(await (await thief.get('/login')).text(), '/login');
      const stolen = `gh_browser=${thief.cookie('gh_browser')}; ${cookieName(id)}=${value}`;
      await assertExpiredPage(await getWithCookies(`/login?interaction=${id}`, stolen), id);
      const posted = await postWithCookies('/login', stolen, { ...fields, interaction: id, username: await newUser(), password: PASSWORD });
      await assertExpiredPage(posted, id);
      assert.equal(setCookie(posted, 'gh_session'), undefined);
      // The browser that started it still can.
      assertInteraction(await signIn(b, `/login?interaction=${id}`, await newUser(), PASSWORD), 'consent', 303);
    });

    test('a replayed consent or sign-in POST yields no second code, even sent twice at once', async () => {
      const b = new TestBrowser(server.url);
      const user = await newUser();
      const consent = location(await signIn(b, location(await authorize(b)), user, PASSWORD));
      const fields = { ...hiddenFields(await (await b.get(consent)).text(), '/consent'), decision: 'allow' };
      const cookie = b.cookieHeader();
      const codesBefore = await codeRows();
      const answers = await Promise.all([postWithCookies('/consent', cookie, fields), postWithCookies('/consent', cookie, fields)]);
      const codes = answers.filter((answer) => answer.status === 303);
      assert.equal(codes.length, 1, `answers: ${answers.map((answer) => answer.status)}`);
      assert.match(callback(codes[0]!, CB, 303).code!, /^gate_ac_/);
      await assertErrorPage(answers.find((answer) => answer.status !== 303)!, 400, 'invalid_request');
      await assertErrorPage(await postWithCookies('/consent', cookie, fields), 400, 'invalid_request');
      assert.equal(await codeRows(), codesBefore + 1);

      // With consent remembered, the sign-in itself answers the interaction. Replayed with the same cookies (no session
      // yet, as when it was sent), the CSRF token still holds; the interaction, answered, does not.
      const fresh = new TestBrowser(server.url);
      const again = location(await authorize(fresh));
      const loginFields = { ...hiddenFields(await (await fresh.get(again)).text(), '/login'), username: user, password: PASSWORD };
      const loginCookie = fresh.cookieHeader();
      const signedIn = await postWithCookies('/login', loginCookie, loginFields);
      const { code } = callback(signedIn, CB, 303);
      assert.equal(
        (
          await postForm(
            server,
            '/oauth2/token',
            { grant_type: 'authorization_code', code: code!, code_verifier: VERIFIER, redirect_uri: CB },
            web,
          )
        ).status,
        200,
      );
      const replayed = await postWithCookies('/login', loginCookie, loginFields);
      await assertErrorPage(replayed, 400, 'invalid_request');
      // prompt=login within a session: a replay carries the session that the sign-in ended, so its CSRF token is refused.
      const reauth = location(await authorize(b, { prompt: 'login' }));
      const reauthFields = { ...hiddenFields(await (await b.get(reauth)).text(), '/login'), username: user, password: PASSWORD };
      const reauthCookie = b.cookieHeader();
      callback(await postWithCookies('/login', reauthCookie, reauthFields), CB, 303);
      await assertErrorPage(await postWithCookies('/login', reauthCookie, reauthFields), 403, 'invalid_request', 'This form has expired');
      assert.equal(await codeRows(), codesBefore + 3);
    });

    test('several tabs sign in side by side, each finishing its own request', async () => {
      const b = new TestBrowser(server.url);
      const user = await newUser();
      const tabs = [];
      for (const state of ['tab1', 'tab2', 'tab3'])
        tabs.push({ state, id: idOf(assertInteraction(await authorize(b, { state }), 'login')) });
      const [one, two, three] = tabs as [(typeof tabs)[0], (typeof tabs)[0], (typeof tabs)[0]];
      const consentThree = await signIn(b, `/login?interaction=${three.id}`, user, PASSWORD);
      assert.equal(callback(await decide(b, location(consentThree), 'allow'), CB, 303).state, 'tab3');
      // Consent is remembered now: signing in on the other tabs leads straight back to the app, each with its own state.
      assert.equal(callback(await signIn(b, `/login?interaction=${one.id}`, user, PASSWORD), CB, 303).state, 'tab1');
      assert.equal(callback(await signIn(b, `/login?interaction=${two.id}`, user, PASSWORD), CB, 303).state, 'tab2');
      assert.deepEqual(
        b.cookieNames().filter((name) => name.startsWith('gh_interaction_')),
        [],
      );
    });

    test('many abandoned requests keep the Cookie header bounded; the newest still work', async () => {
      const b = new TestBrowser(server.url);
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(idOf(assertInteraction(await authorize(b, { state: `abandoned-${i}` }), 'login')));
      const kept = b.cookieNames().filter((name) => name.startsWith('gh_interaction_'));
      assert.deepEqual(kept.sort(), ids.slice(-4).map(cookieName).sort(), 'the newest four are kept');
      // Long ones (state and nonce near their limits) count by their bytes.
      for (let i = 0; i < 10; i++)
        ids.push(idOf(assertInteraction(await authorize(b, { state: 's'.repeat(1500), nonce: 'n'.repeat(500) }), 'login')));
      const header = b.cookieHeader();
      console.log(`${backend.name}: Cookie header after 50 abandoned requests: ${header.length} bytes`);
      assert.ok(header.length < 5500, `the Cookie header grew to ${header.length} bytes`);
      assertInteraction(await signIn(b, `/login?interaction=${ids.at(-1)}`, await newUser(), PASSWORD), 'consent', 303);
      await assertErrorPage(await b.get(`/login?interaction=${ids[0]}`), 400, 'invalid_request', 'This sign-in link has expired');
    });

    test('a request too large for a cookie is refused with invalid_request at the redirect URI; the longest state alone fits', async () => {
      const state = 'x'.repeat(2048);
      assertInteraction(await authorize(new TestBrowser(server.url), { state }), 'login');
      const response = await authorize(new TestBrowser(server.url), { state, nonce: 'n'.repeat(2048) });
      assertErrorCallback(callback(response, CB), 'invalid_request', server.issuer, state);
    });

    test('answered interaction ids are purged once they could no longer be presented', async () => {
      const { db } = server.server.gatehouse.store;
      const now = nowSeconds();
      await db
        .insertInto('interactions')
        .values([
          { tenant_id: 'default', id: 'purge-gone', expires_at: now - 1 },
          { tenant_id: 'default', id: 'purge-kept', expires_at: now + 600 },
        ])
        .execute();
      await server.server.gatehouse.purgeExpired();
      const left = await db.selectFrom('interactions').select('id').where('id', 'like', 'purge-%').execute();
      assert.deepEqual(
        left.map((row) => row.id),
        ['purge-kept'],
      );
    });
  });
}

describe('interaction cookies of an https issuer', () => {
  test('__Host- prefix: Secure, Path=/, no Domain; sign-in works with them', async () => {
    const server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_ISSUER: 'https://auth.example.test' });
    try {
      const { clientId } = await server.createClient({ grantTypes: ['authorization_code'], redirectUris: [CB] });
      await server.server.gatehouse.management.users.createUser({ username: 'secure', password: PASSWORD });
      const b = new TestBrowser(server.url);
      const started = await b.get(
        authorizePath({
          client_id: clientId,
          response_type: 'code',
          scope: 'openid',
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
        }),
      );
      const id = idOf(assertInteraction(started, 'login'));
      const attributes = cookieAttributes(setCookie(started, `__Host-${cookieName(id)}`) ?? '');
      for (const attribute of ['secure', 'httponly', 'samesite=lax', 'path=/'])
        assert.ok(attributes.includes(attribute), `${attribute} missing: ${attributes}`);
      assert.ok(!attributes.some((attribute) => attribute.startsWith('domain=')));
      assert.equal(idOf(assertInteraction(await signIn(b, location(started), 'secure', PASSWORD), 'consent', 303)), id);
    } finally {
      await server.close();
    }
  });
});
