import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CsrfTokens } from '../src/pages/browser.js';
import { nowSeconds } from '../src/ports/clock.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'Tq8#vLm2!pZr5wXe';

test('a CSRF token is bound to its purpose, browser, session and hour', () => {
  const key = randomBytes(32);
  let now = 1_800_000_000;
  const tokens = new CsrfTokens(key, () => now);
  const browserId = randomBytes(32).toString('base64url');
  const inSession = { browserId, sessionId: 'session-1' };
  const token = tokens.issue(inSession, 'consent');
  assert.match(token, /^1800000000\.[\w-]{43}$/);
  assert.equal(tokens.verify(inSession, 'consent', token), true);
  assert.equal(tokens.verify(inSession, 'logout', token), false, 'another form');
  assert.equal(tokens.verify({ browserId, sessionId: 'session-2' }, 'consent', token), false, 'another session');
  assert.equal(tokens.verify({ browserId, sessionId: undefined }, 'consent', token), false, 'no session');
  const otherBrowser = { browserId: randomBytes(32).toString('base64url'), sessionId: 'session-1' };
  assert.equal(tokens.verify(otherBrowser, 'consent', token), false, 'another browser');
  assert.equal(tokens.verify({ sessionId: 'session-1' }, 'consent', token), false, 'no browser id');
  assert.equal(new CsrfTokens(randomBytes(32), () => now).verify(inSession, 'consent', token), false, 'another key');
  const [issuedAt, mac] = token.split('.');
  assert.equal(tokens.verify(inSession, 'consent', `${Number(issuedAt) + 1}.${mac}`), false, 'the issue time is under the MAC');
  for (const garbage of [undefined, '', mac!, `${issuedAt}.`, `${issuedAt}.${mac}x`, `-1.${mac}`, `1e9.${mac}`]) {
    assert.equal(tokens.verify(inSession, 'consent', garbage), false, String(garbage));
  }
  now += 3599;
  assert.equal(tokens.verify(inSession, 'consent', token), true, 'good for an hour');
  now += 1;
  assert.equal(tokens.verify(inSession, 'consent', token), false, 'not longer');
  now = 1_800_000_000 - 61;
  assert.equal(tokens.verify(inSession, 'consent', token), false, 'not from further ahead than clock skew explains');
});

/**
 * CSRF tokens were fixed per browser for 400 days and survived sign-in and sign-out (issue 9, item 14). Now a token
 * rendered before a sign-in or within a session that has ended no longer works; the forms the pages render do.
 */
for (const backend of backends()) {
  describe(`CSRF tokens follow the session (${backend.name})`, () => {
    let server: TestServer;
    let clientId: string;

    before(async () => {
      server = await startTestServer(backend);
      const { gatehouse } = server.server;
      const user = await gatehouse.management.users.createUser({ username: 'pat', password: PASSWORD });
      // So that the account page has a form: withdrawing this app's access.
      const app = { name: 'An app', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9999/cb'] };
      ({ clientId } = await server.createClient(app));
      await gatehouse.consents.grant(user.id, clientId, server.config.defaultAudience, ['openid']);
    });
    after(() => server?.close());

    const formOf = async (b: TestBrowser, page: string, action: string) => {
      const response = await b.get(page);
      assert.equal(response.status, 200, page);
      return hiddenFields(await response.text(), action);
    };
    const signIn = (b: TestBrowser, fields: Record<string, string>) => b.post('/login', { ...fields, username: 'pat', password: PASSWORD });
    const assertExpiredForm = async (response: Response) => {
      assert.equal(response.status, 403);
      assert.match(await response.text(), /This form has expired/);
    };
    const liveSessions = () =>
      server.server.gatehouse.store.db.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute();

    test('the login form from before a sign-in is refused after it; forms rendered in the session work', async () => {
      const b = new TestBrowser(server.url);
      const beforeSignIn = await formOf(b, '/login', '/login');
      const signedIn = await signIn(b, beforeSignIn);
      assert.equal(signedIn.status, 303);
      assert.equal(location(signedIn), '/account');
      const session = b.cookie('gh_session');
      assert.ok(session);
      const sessions = (await liveSessions()).length;
      await assertExpiredForm(await signIn(b, beforeSignIn));
      assert.equal(b.cookie('gh_session'), session, 'the refused form changed no session');
      assert.equal((await liveSessions()).length, sessions, 'and started none');
      // Re-authentication from within the session: its login form is posted in that session and works.
      const again = await signIn(b, await formOf(b, '/login', '/login'));
      assert.equal(again.status, 303);
      assert.notEqual(b.cookie('gh_session'), session, 'a new session');
    });

    test('forms from a session are refused after its sign-out', async () => {
      const b = new TestBrowser(server.url);
      assert.equal((await signIn(b, await formOf(b, '/login', '/login'))).status, 303);
      const account = await formOf(b, '/account', '/account/consents/withdraw');
      const loginInSession = await formOf(b, '/login', '/login');
      const logout = await formOf(b, '/logout', '/logout');
      const signedOut = await b.post('/logout', logout);
      assert.equal(signedOut.status, 200);
      assert.equal(b.cookie('gh_session'), undefined);
      await assertExpiredForm(await b.post('/account/consents/withdraw', { ...account, client_id: clientId }));
      await assertExpiredForm(await signIn(b, loginInSession));
      await assertExpiredForm(await b.post('/logout', logout));
      assert.equal(b.cookie('gh_session'), undefined);
      // A login form rendered now, signed out, works; the consent was not withdrawn by the refused form.
      assert.equal((await signIn(b, await formOf(b, '/login', '/login'))).status, 303);
      assert.equal((await formOf(b, '/account', '/account/consents/withdraw')).client_id, clientId);
    });

    test('a token older than an hour is refused, a younger one accepted; one from another browser is refused', async () => {
      const key = server.server.gatehouse.pageKeys.key('csrf');
      const b = new TestBrowser(server.url);
      const fields = await formOf(b, '/login', '/login');
      const binding = { browserId: b.cookie('gh_browser')!, sessionId: undefined };
      const issuedAgo = (seconds: number) => new CsrfTokens(key, () => nowSeconds() - seconds).issue(binding, 'login');
      await assertExpiredForm(await signIn(b, { ...fields, csrf: issuedAgo(3600) }));
      await assertExpiredForm(await signIn(b, { ...fields, csrf: issuedAgo(5 * 86400) }));
      const other = new TestBrowser(server.url);
      await other.get('/login');
      await assertExpiredForm(await signIn(other, fields));
      assert.equal(other.cookie('gh_session'), undefined);
      assert.equal((await signIn(b, { ...fields, csrf: issuedAgo(3540) })).status, 303);
    });
  });
}
