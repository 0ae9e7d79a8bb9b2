import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { MAX_SIGNUPS_PER_IP } from '../src/accounts/signup.js';
import { assertInteraction, CHALLENGE, setCookie } from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { authorizationUrl, REDIRECT_URI, SESSION_COOKIE, webApp } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'correct horse';
const SIGNUP_THROTTLED = 'Too many sign-ups from your network. Wait a few minutes and try again.';
const RESERVED = 'This username is reserved; choose another.';
const received = (username: string) =>
  `If the username &quot;${username}&quot; was available, your account has been created. Sign in with it and your new password to continue.`;
/** The page with its one per-browser value, the CSRF token, blanked. */
const withoutCsrf = (html: string) => html.replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value=""');

for (const backend of backends()) {
  describe(`self sign-up (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_SIGNUP: 'on' });
    });
    after(() => server.close());
    // Every test signs up from 127.0.0.1: each starts with that address's sign-up count at zero.
    beforeEach(async () => {
      await server.server.gatehouse.store.db.deleteFrom('login_throttle').where('key', 'like', 'signup:%').execute();
    });

    const db = () => server.server.gatehouse.store.db;
    const storedUser = (username: string) => db().selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    const signupCount = async () =>
      (await db().selectFrom('login_throttle').select('failures').where('key', 'like', 'signup:%').executeTakeFirst())?.failures;

    async function signUp(browser: TestBrowser, fields: Record<string, string>): Promise<Response> {
      const page = await browser.get('/signup');
      assert.equal(page.status, 200);
      return browser.post('/signup', { ...hiddenFields(await page.text(), '/signup'), name: '', email: '', ...fields });
    }

    test('a free and a taken username get the same page, and neither signs anyone in', async () => {
      const free = new TestBrowser(server.url);
      const freeAnswer = await signUp(free, { username: 'carol', password: PASSWORD });
      const freeBody = await freeAnswer.text();
      const carol = await storedUser('carol');
      assert.ok(carol, 'the free name was created');

      const stranger = new TestBrowser(server.url);
      const takenAnswer = await signUp(stranger, { username: 'Carol', password: 'a stranger guessing' });
      const takenBody = await takenAnswer.text();

      assert.equal(freeAnswer.status, 200);
      assert.equal(takenAnswer.status, 200);
      assert.equal(withoutCsrf(takenBody), withoutCsrf(freeBody), 'the same page, but for the CSRF token');
      assert.ok(freeBody.includes(received('carol')), freeBody);
      assert.doesNotMatch(takenBody, /taken|exists|already/i);
      assert.equal(takenAnswer.headers.get('content-type'), freeAnswer.headers.get('content-type'));
      for (const answer of [freeAnswer, takenAnswer])
        assert.equal(setCookie(answer, SESSION_COOKIE), undefined, 'no session from a sign-up');
      assert.equal((await stranger.get('/account')).status, 303, "the stranger is not in carol's account");

      // Stored state: carol's account is untouched by the second sign-up, and only her own password opens it.
      assert.deepEqual(await storedUser('carol'), carol);
      const events = await db()
        .selectFrom('audit_events')
        .select(['actor', 'actor_type', 'action', 'target', 'details'])
        .where('action', 'in', ['user.signed_up', 'signup.name_taken'])
        .execute();
      assert.deepEqual(events.map((event) => [event.action, event.actor_type, event.actor, event.target]).sort(), [
        ['signup.name_taken', 'anonymous', 'anonymous', ''],
        ['user.signed_up', 'user', carol.id, carol.id],
      ]);
      assert.equal(
        (await stranger.post('/login', { ...hiddenFields(takenBody, '/login'), username: 'carol', password: 'a stranger guessing' }))
          .status,
        401,
      );

      // The page is the sign-in form, the name filled in: the new user signs in with the password just chosen.
      assert.match(freeBody, /<input id="username" name="username"[^>]*value="carol">/);
      const signedIn = await free.post('/login', { ...hiddenFields(freeBody, '/login'), username: 'carol', password: PASSWORD });
      assert.equal(signedIn.status, 303);
      assert.equal(location(signedIn), '/account');
      assert.ok(setCookie(signedIn, SESSION_COOKIE));
    });

    test('signing up in the middle of an authorization leads, after one sign-in, back into it', async () => {
      const app = await webApp(server);
      const browser = new TestBrowser(server.url);
      const authorize = authorizationUrl(server, {
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        state: 'st',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      });
      const login = assertInteraction(await browser.get(authorize.toString()), 'login');
      const interaction = new URL(login, server.url).searchParams.get('interaction')!;
      const page = await browser.get(`/signup?interaction=${interaction}`);
      const answer = await browser.post('/signup', { ...hiddenFields(await page.text(), '/signup'), username: 'dave', password: PASSWORD });
      const body = await answer.text();
      assert.equal(answer.status, 200);
      assert.equal(hiddenFields(body, '/login').interaction, interaction, 'the sign-in form carries the authorization on');
      assert.ok(body.includes('to continue to <strong>Web App</strong>'), body);
      assertInteraction(
        await browser.post('/login', { ...hiddenFields(body, '/login'), username: 'dave', password: PASSWORD }),
        'consent',
        303,
      );
    });

    test(`sign-ups beyond ${MAX_SIGNUPS_PER_IP} per address in the window are refused before any account is made`, async () => {
      const burst = MAX_SIGNUPS_PER_IP + 5;
      const browser = new TestBrowser(server.url);
      const fields = hiddenFields(await (await browser.get('/signup')).text(), '/signup');
      const answers = await Promise.all(
        Array.from({ length: burst }, (_, i) => browser.post('/signup', { ...fields, username: `burst${i}`, password: PASSWORD })),
      );
      const statuses = answers.map((answer) => answer.status);
      assert.equal(statuses.filter((status) => status === 200).length, MAX_SIGNUPS_PER_IP, statuses.join(' '));
      const refused = answers.filter((answer) => answer.status === 429);
      assert.equal(refused.length, burst - MAX_SIGNUPS_PER_IP, statuses.join(' '));
      for (const answer of refused) {
        assert.ok((await answer.text()).includes(SIGNUP_THROTTLED));
        const retryAfter = Number(answer.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
      }
      // Stored state: exactly the limit's worth of accounts (so of argon2 hashes), every attempt counted.
      const made = await db().selectFrom('users').select('username').where('username', 'like', 'burst%').execute();
      assert.equal(made.length, MAX_SIGNUPS_PER_IP);
      assert.equal(await signupCount(), burst);

      // A taken name past the limit gets the same refusal: the throttle answers before the name is looked at.
      const taken = await signUp(new TestBrowser(server.url), { username: made[0]!.username, password: PASSWORD });
      assert.equal(taken.status, 429);
      assert.ok((await taken.text()).includes(SIGNUP_THROTTLED));
    });

    test('reserved names are refused on the sign-up page, whatever their case, and nothing is stored or counted', async () => {
      for (const username of [
        'admin',
        'Administrator',
        'ROOT',
        ' system ',
        'gatehouse',
        'support',
        'security',
        'postmaster',
        'webmaster',
        'hostmaster',
        'abuse',
        'NoReply',
      ]) {
        const answer = await signUp(new TestBrowser(server.url), { username, password: PASSWORD });
        const body = await answer.text();
        assert.equal(answer.status, 400, username);
        assert.ok(body.includes(RESERVED), `${username}: ${body}`);
        assert.equal(setCookie(answer, SESSION_COOKIE), undefined);
        assert.equal(await storedUser(username.trim().toLowerCase()), undefined, username);
      }
      assert.equal(await signupCount(), undefined, 'a refused name costs no hash and no count');
      // A name that merely starts like one is anyone's.
      assert.equal((await signUp(new TestBrowser(server.url), { username: 'rootbeer', password: PASSWORD })).status, 200);
      assert.ok(await storedUser('rootbeer'));
    });

    test('an operator may still create a reserved name (management, the path of the CLI and the admin API)', async () => {
      const user = await server.server.gatehouse.management.users.createUser({ username: 'postmaster', password: PASSWORD });
      assert.equal(user.username, 'postmaster');
      assert.ok(await storedUser('postmaster'));
    });
  });
}
