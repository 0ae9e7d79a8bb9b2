import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { UserView } from '../src/admin/views.js';
import { type AdminApi, adminApi, adminMachine, assertAdminError, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, TestBrowser } from './helpers/browser.js';
import { gatehouseJsonWithStdin, gatehouseWithStdin, STORE_LINE } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The rules themselves are unit-tested in test/unit/accounts/password-policy.test.ts; here, that every path applies them.
const STRONG = 'Tq8#vLm2!pZr5wXe';
const COMMON = /one of the most common passwords/;
const USERNAME_BASED = /must not be or contain the username/;
const LENGTH = /8-1024 characters/;

/** For each path: a password refused by each rule (with the message that names it), and a strong one accepted. */
const REFUSED: { rule: string; password: (username: string) => string; message: RegExp }[] = [
  { rule: 'a common password', password: () => 'password1', message: COMMON },
  { rule: 'the username inside', password: (username) => `${username.toUpperCase()}-Tq8#vLm2`, message: USERNAME_BASED },
  { rule: 'too short', password: () => 'Tq8#vLm', message: LENGTH },
];

for (const backend of backends()) {
  describe(`the password policy on every path that sets a password (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_SIGNUP: 'on' });
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
    });
    after(() => server.close());
    beforeEach(async () => {
      await server.server.gatehouse.store.db.deleteFrom('login_throttle').where('key', 'like', 'signup:%').execute();
    });
    const storedUser = (username: string) =>
      server.server.gatehouse.store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();

    test('admin API: a refused password is 400 invalid_request naming the rule, and no user is stored', async () => {
      for (const [index, { rule, password, message }] of REFUSED.entries()) {
        const username = `apiuser${index}`;
        assertAdminError(await api('POST', '/admin/users', { username, password: password(username) }), 400, 'invalid_request', message);
        assert.equal(await storedUser(username), undefined, rule);
      }
      const user = await expectOk<UserView>(api('POST', '/admin/users', { username: 'apistrong', password: STRONG }), 201, 'user');
      assert.equal(user.username, 'apistrong');
      assert.ok((await storedUser('apistrong'))?.password_hash.startsWith('$argon2id$'));
    });

    test('CLI users create: a refused password is one line on stderr and exit 1, and no user is stored', async () => {
      for (const [index, { rule, password, message }] of REFUSED.entries()) {
        const username = `cliuser${index}`;
        const args = ['users', 'create', '--username', username, '--password-stdin', '--json'];
        const result = await gatehouseWithStdin(server.env, `${password(username)}\n`, ...args);
        assert.equal(result.code, 1, `${rule}: ${result.stderr}`);
        assert.equal(result.stdout, '', rule);
        assert.match(result.stderr.replace(STORE_LINE, ''), /^gatehouse: [^\n]+\n$/, 'one line after the store line');
        assert.match(result.stderr, message, rule);
        assert.equal(await storedUser(username), undefined, rule);
      }
      const args = ['users', 'create', '--username', 'clistrong', '--password-stdin'];
      const user = await gatehouseJsonWithStdin<UserView>(server.env, STRONG, ...args);
      assert.equal(user.username, 'clistrong');
      assert.ok(await storedUser('clistrong'));
    });

    async function signUp(browser: TestBrowser, username: string, password: string): Promise<Response> {
      const page = await browser.get('/signup');
      assert.equal(page.status, 200);
      return browser.post('/signup', { ...hiddenFields(await page.text(), '/signup'), username, name: 'Pat Example', email: '', password });
    }
    const alertOf = (html: string) => /<p class="alert" role="alert">([^<]*)<\/p>/.exec(html)?.[1];

    test('sign-up page: a refused password gets the form again, with the rule and what was typed but the password', async () => {
      for (const [index, { rule, password, message }] of REFUSED.entries()) {
        const username = `pageuser${index}`;
        const answer = await signUp(new TestBrowser(server.url), username, password(username));
        const html = await answer.text();
        assert.equal(answer.status, 400, rule);
        assert.match(answer.headers.get('content-type') ?? '', /^text\/html/);
        const alert = alertOf(html) ?? '';
        assert.match(alert, message, rule);
        assert.match(alert, /^[A-Z][^\n]*\.$/, 'a sentence');
        assert.match(html, /<form method="post" action="\/signup"/);
        assert.match(html, new RegExp(`name="username"[^>]*value="${username}"`), 'the username is kept');
        assert.ok(!html.includes(password(username)), 'the password is not echoed');
        assert.equal(await storedUser(username), undefined, rule);
      }
      const answer = await signUp(new TestBrowser(server.url), 'pagestrong', STRONG);
      assert.equal(answer.status, 200);
      assert.match(await answer.text(), /If the username &quot;pagestrong&quot; was available, your account has been created/);
      assert.ok(await storedUser('pagestrong'));
    });

    test('sign-up page: a weak password is refused alike for a free and a taken name (no account enumeration)', async () => {
      await server.server.gatehouse.management.users.createUser({ username: 'takenname', password: STRONG });
      const withoutCsrf = (html: string) => html.replace(/name="csrf" value="[^"]*"/g, '').replace(/takenname|freename0/g, 'NAME');
      const taken = await signUp(new TestBrowser(server.url), 'takenname', 'password1');
      const free = await signUp(new TestBrowser(server.url), 'freename0', 'password1');
      assert.deepEqual([taken.status, free.status], [400, 400]);
      assert.equal(withoutCsrf(await taken.text()), withoutCsrf(await free.text()));
    });
  });
}
