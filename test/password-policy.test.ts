import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { passwordProblem } from '../src/accounts/password-policy.js';
import type { UserView } from '../src/admin/views.js';
import { adminApi, adminMachine, assertAdminError, expectOk, type AdminApi } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { TestBrowser, hiddenFields } from './helpers/browser.js';
import { gatehouseJsonWithStdin, gatehouseWithStdin, STORE_LINE } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

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

describe('the password policy (NIST SP 800-63B §5.1.1.2)', () => {
  test('each rule is named in its message', async () => {
    const cases: [string, string, RegExp | undefined][] = [
      ['Tq8#vLm', 'alice', LENGTH],
      ['x'.repeat(1025), 'alice', LENGTH],
      ['ALICE', 'alice', LENGTH],
      ['AliceTheGreat-Tq8#', 'alice', USERNAME_BASED],
      ['bobbybob', 'bobbybob', USERNAME_BASED],
      ['Gatehouse-Tq8#vLm2', 'alice', /must not be or contain "gatehouse"/],
      ['iloveyou', 'alice', COMMON],
      ['P@ssw0rd', 'alice', COMMON],
      ['drowssap', 'alice', COMMON],
      ['secret123', 'alice', /too easy to guess/],
      ['qwerty123456', 'alice', /too easy to guess|most common/],
      [STRONG, 'alice', undefined],
      // A username of 3 characters is only refused whole: "bob" inside a long passphrase is chance, not a pattern.
      ['bob-Tq8#vLm2!pZr', 'bob', undefined],
    ];
    for (const [password, username, message] of cases) {
      const problem = await passwordProblem(password, { username });
      if (message === undefined) assert.equal(problem, undefined, password);
      else assert.match(problem ?? 'accepted', message, password);
    }
  });

  test("the user's own details are the first guesses", async () => {
    assert.equal(await passwordProblem('Winterbottom1987', { username: 'mw' }), undefined);
    assert.match((await passwordProblem('Winterbottom1987', { username: 'mw', name: 'Mary Winterbottom' }))!, /too easy to guess/);
    assert.equal(await passwordProblem('Quokka2024!', { username: 'mw' }), undefined);
    assert.match((await passwordProblem('Quokka2024!', { username: 'mw', email: 'quokka@example.com' }))!, /too easy to guess/);
  });

  test('length counts characters (code points), not UTF-16 units', async () => {
    // Seven characters, fourteen UTF-16 units: too short however it is encoded.
    assert.match((await passwordProblem('🦊🐙🦉🐝🦀🐢🦩', { username: 'alice' }))!, LENGTH);
    // 1,024 characters of 2 units each is 1,024 characters: within the limit.
    assert.equal(await passwordProblem(`${STRONG}${'🦊'.repeat(1024 - STRONG.length)}`, { username: 'alice' }), undefined);
  });

  test('only the first 64 characters are judged (zxcvbn slows steeply with length)', async () => {
    const guessable = 'abcdefgh'.repeat(8);
    const randomTail = randomBytes(48).toString('base64');
    assert.match((await passwordProblem(guessable, { username: 'alice' }))!, /too easy to guess/);
    // The random tail would make the whole unguessable; it is beyond what is judged, so the sequence decides.
    assert.match((await passwordProblem(`${guessable}${randomTail}`, { username: 'alice' }))!, /too easy to guess/);
    assert.equal(await passwordProblem(`${STRONG}${'a'.repeat(1000)}`, { username: 'alice' }), undefined);
    // The rules on the username and the service's name still read the whole password.
    assert.match((await passwordProblem(`${STRONG}${randomTail}alice`, { username: 'alice' }))!, USERNAME_BASED);
  });
});

for (const backend of backends()) {
  describe(`the password policy on every path that sets a password (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    before(async () => {
      server = await startTestServer(backend);
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
