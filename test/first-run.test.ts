import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { CONSOLE_CLIENT_ID, consoleRedirectUri } from '../src/management/builtins.js';
import { firstRunOf, normalizeCode, SETUP_CODE_TTL_SECONDS } from '../src/management/first-run.js';
import { isFromThisMachine } from '../src/pages/this-machine.js';
import { nowSeconds } from '../src/ports/clock.js';
import { CHALLENGE, setCookie } from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { eventually, freshStoreEnv, type ServeProcess, spawnServe } from './helpers/cli.js';
import { authorizationUrl, REDIRECT_URI, SESSION_COOKIE, webApp } from './helpers/code-flow.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

const PASSWORD = 'Tq8#vLm2!pZr5wXe';
const CODE_FORMAT = /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/;
const WRONG_CODE = 'That setup code is not the one the server printed at its last start. Check it and try again.';
const SET_UP = /<h1 id="page-title">Gatehouse is set up<\/h1>[\s\S]*<a href="\/console\/">Go to the console<\/a>/;

/** A request as Fastify hands it to a route, with only what the rule reads. */
const request = (remoteAddress: string, headers: Record<string, string>) =>
  ({ socket: { remoteAddress }, headers }) as unknown as FastifyRequest;

describe('the setup page asks no code only of a browser certainly on the server machine', () => {
  const local = { host: '127.0.0.1:4444' };
  test('a loopback peer naming this machine, with no proxy trusted and no forwarding header', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isFromThisMachine(request(address, local), false), true, address);
    }
    for (const host of ['localhost:4444', 'localhost', '[::1]:4444', '127.0.0.1']) {
      assert.equal(isFromThisMachine(request('127.0.0.1', { host, origin: `http://${host}` }), false), true, host);
    }
  });
  test('anything else needs the code: another peer, a trusted proxy, a forwarding header, a foreign Host or Origin', () => {
    const refused: [string, string, Record<string, string>, false | number | string[]][] = [
      ['a peer elsewhere', '203.0.113.7', local, false],
      ['a private address', '10.0.0.2', local, false],
      ['a mapped address elsewhere', '::ffff:192.0.2.1', local, false],
      ['no peer address', '', local, false],
      ['a trusted hop count', '127.0.0.1', local, 1],
      ['a trusted proxy list', '127.0.0.1', local, ['127.0.0.1']],
      ['X-Forwarded-For', '127.0.0.1', { ...local, 'x-forwarded-for': '127.0.0.1' }, false],
      ['X-Forwarded-Host', '127.0.0.1', { ...local, 'x-forwarded-host': 'localhost' }, false],
      ['Forwarded', '127.0.0.1', { ...local, forwarded: 'for=127.0.0.1' }, false],
      ['X-Real-IP', '127.0.0.1', { ...local, 'x-real-ip': '127.0.0.1' }, false],
      ['Via', '127.0.0.1', { ...local, via: '1.1 proxy' }, false],
      ['a DNS-rebound Host', '127.0.0.1', { host: 'attacker.example:4444' }, false],
      ['localhost as a subdomain', '127.0.0.1', { host: 'localhost.attacker.example' }, false],
      ['no Host', '127.0.0.1', {}, false],
      ['a foreign Origin', '127.0.0.1', { ...local, origin: 'http://attacker.example' }, false],
      ['an opaque Origin', '127.0.0.1', { ...local, origin: 'null' }, false],
    ];
    for (const [what, address, headers, trust] of refused) {
      assert.equal(isFromThisMachine(request(address, headers), trust), false, what);
    }
  });
});

for (const backend of backends()) {
  describe(`the first run's setup page, behind a trusted proxy: the code is required (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      // A trusted proxy in front: even requests from 127.0.0.1 may be anyone's, so the code is asked of everyone.
      server = await startTestServer(backend, { GATEHOUSE_TRUST_PROXY: '1' });
      await createTenants(server, 'acme');
    });
    after(() => server.close());
    beforeEach(async () => {
      await db().deleteFrom('sign_in_delays').where('key', 'like', 'setup:%').execute();
    });

    const db = () => server.server.gatehouse.store.db;
    const firstRun = () => firstRunOf(server.server.gatehouse);
    const admins = async () =>
      (await db().selectFrom('users').select(['username', 'roles']).where('tenant_id', '=', 'default').execute()).filter((user) =>
        JSON.parse(user.roles).includes('admin'),
      );
    const refusals = async () =>
      (await db().selectFrom('audit_events').select('details').where('action', '=', 'setup.refused').execute()).map(
        (event) => JSON.parse(event.details).reason,
      );

    /** Opens the setup page in `browser` and posts its form with `fields`, as a person without JavaScript would. */
    async function submit(browser: TestBrowser, fields: Record<string, string>, headers: Record<string, string> = {}) {
      const page = await browser.get('/setup');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<label for="setup_code">Setup code<\/label>/);
      const body = new URLSearchParams({ ...hiddenFields(html, '/setup'), username: 'ada', email: '', name: '', ...fields });
      return fetch(`${server.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader(), ...headers },
        body: body.toString(),
        redirect: 'manual',
      });
    }

    test('the page works without JavaScript, carries a CSRF token and may not be framed; a form without the token is refused', async () => {
      const page = await fetch(`${server.url}/setup`);
      assert.equal(page.status, 200);
      const csp = page.headers.get('content-security-policy')!;
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(await page.clone().text(), /<script/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const html = await page.text();
      for (const label of ['Setup code', 'Username', 'Password']) assert.match(html, new RegExp(`<label for="[a-z_]+">${label}</label>`));
      assert.match(html, /<input type="hidden" name="csrf" value="[^"]+">/);
      assert.match(html, /<button type="submit" class="primary">Create administrator<\/button>/);
      const forged = await fetch(`${server.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ setup_code: 'x', username: 'ada', password: PASSWORD }).toString(),
      });
      assert.equal(forged.status, 403);
      assert.deepEqual(await admins(), []);
    });

    test('the front page and the login page point to the setup page; a tenant has none', async () => {
      const front = await (await fetch(`${server.url}/`)).text();
      assert.match(front, /There is no administrator yet\. <a href="\/setup">Set up Gatehouse<\/a> with the setup code/);
      assert.match(front, /or create one on that machine with <code>npm exec -- gatehouse users create --username admin --admin<\/code>/);
      const NOTICE = /This server has no administrator yet\. <a href="\/setup">Set up Gatehouse<\/a>/;
      assert.match(await (await fetch(`${server.url}/login`)).text(), NOTICE);
      // The console's sign-in says it; an app's users signing in are not told.
      const loginFor = async (clientId: string, redirectUri: string) => {
        const browser = new TestBrowser(server.url);
        const started = await browser.get(
          authorizationUrl(server, {
            client_id: clientId,
            response_type: 'code',
            redirect_uri: redirectUri,
            scope: 'openid',
            code_challenge: CHALLENGE,
            code_challenge_method: 'S256',
          }).toString(),
        );
        assert.match(location(started), /\/login\?interaction=/);
        return (await browser.get(location(started))).text();
      };
      assert.match(await loginFor(CONSOLE_CLIENT_ID, consoleRedirectUri(server.issuer)), NOTICE);
      const app = await webApp(server);
      const appLogin = await loginFor(app.clientId, REDIRECT_URI);
      assert.match(appLogin, /<h1 id="page-title">Sign in<\/h1>/);
      assert.doesNotMatch(appLogin, /Set up Gatehouse|no administrator/);
      const tenant = await fetch(`${server.url}/t/acme/setup`);
      assert.equal(tenant.status, 404);
      assert.doesNotMatch(await tenant.text(), /Setup code/);
      assert.equal((await fetch(`${server.url}/t/acme/setup`, { method: 'POST' })).status, 404);
      assert.doesNotMatch(await (await fetch(`${server.url}/t/acme/login`)).text(), /Set up Gatehouse/);
      assert.doesNotMatch(await (await fetch(`${server.url}/t/acme/`)).text(), /href="\/setup"/);
    });

    test('a code is 140 random bits in readable groups, stored as its hash only, replaced at each start, for an hour', async () => {
      const first = await firstRun().issueCode();
      assert.match(first!.code, CODE_FORMAT);
      const now = nowSeconds();
      assert.ok(Math.abs(first!.expiresAt - (now + SETUP_CODE_TTL_SECONDS)) <= 2);
      const stored = await db().selectFrom('setup_codes').selectAll().execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.tenant_id, 'default');
      assert.doesNotMatch(JSON.stringify(stored), new RegExp(first!.code.replace(/-/g, '')), 'the code itself is not stored');
      assert.match(stored[0]!.code_hash, /^[0-9a-f]{64}$/);
      const second = await firstRun().issueCode();
      assert.notEqual(second!.code, first!.code);
      assert.equal((await db().selectFrom('setup_codes').selectAll().execute()).length, 1);
      // The last start's code is void.
      const answer = await submit(new TestBrowser(server.url), { setup_code: first!.code, password: PASSWORD });
      assert.equal(answer.status, 401);
      assert.ok((await answer.text()).includes(WRONG_CODE));
      assert.deepEqual(await admins(), []);
      // Typed in lower case, without dashes, with O for 0 and l for 1: the same code.
      assert.equal(
        normalizeCode(second!.code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l')),
        second!.code.replace(/-/g, ''),
      );
    });

    test('wrong codes are refused and slowed down like sign-in attempts; a refused attempt uses nothing up', async () => {
      const { code } = (await firstRun().issueCode())!;
      const before = (await refusals()).length;
      for (let attempt = 1; attempt <= 3; attempt++) {
        // The last character changed for another: a code ending in X would otherwise be the right one.
        const wrong = `${code.slice(0, -1)}${code.endsWith('X') ? 'Y' : 'X'}`;
        const answer = await submit(new TestBrowser(server.url), { setup_code: wrong, password: PASSWORD });
        assert.equal(answer.status, 401, `attempt ${attempt}`);
        assert.ok((await answer.text()).includes(WRONG_CODE));
      }
      // The free failures are used up: even the right code now waits, from another address too.
      const throttled = await submit(
        new TestBrowser(server.url),
        { setup_code: code, password: PASSWORD },
        { 'x-forwarded-for': '203.0.113.9' },
      );
      assert.equal(throttled.status, 429);
      assert.match(throttled.headers.get('retry-after')!, /^\d+$/);
      assert.match(await throttled.text(), /Too many wrong setup codes\. Try again in \d+ seconds?\./);
      assert.deepEqual((await refusals()).slice(before), ['wrong_code', 'wrong_code', 'wrong_code', 'throttled']);
      assert.deepEqual(await admins(), []);
      assert.equal((await db().selectFrom('setup_codes').selectAll().execute()).length, 1, 'the code is still there');
    });

    test('a password the policy refuses is said next to the form and uses the code not up', async () => {
      const { code } = (await firstRun().issueCode())!;
      const weak = await submit(new TestBrowser(server.url), { setup_code: code, password: 'password' });
      assert.equal(weak.status, 400);
      const html = await weak.text();
      assert.match(html, /<p class="alert" role="alert">[^<]*password[^<]*<\/p>/i);
      assert.match(html, /name="username"[^>]*value="ada"/, 'what was typed stays');
      assert.doesNotMatch(html, new RegExp(code), 'the code is not echoed');
      assert.equal((await db().selectFrom('setup_codes').selectAll().execute()).length, 1);
    });

    test('an expired code is refused with what to do', async () => {
      const { code } = (await firstRun().issueCode())!;
      await db()
        .updateTable('setup_codes')
        .set({ expires_at: nowSeconds() - 1 })
        .execute();
      const answer = await submit(new TestBrowser(server.url), { setup_code: code, password: PASSWORD });
      assert.equal(answer.status, 410);
      assert.match(await answer.text(), /it expired an hour after the server started\. Restart the server for a new one\./);
      assert.deepEqual(await admins(), []);
    });

    test('the right code, posted twice at once, makes exactly one administrator, signed in and sent to the console; the page is gone after', async () => {
      const { code } = (await firstRun().issueCode())!;
      const [ada, bob] = [new TestBrowser(server.url), new TestBrowser(server.url)];
      const answers = await Promise.all([
        submit(ada, { setup_code: code, username: 'ada', password: PASSWORD, email: 'ada@example.com', name: 'Ada' }),
        submit(bob, { setup_code: code.toLowerCase(), username: 'bob', password: PASSWORD }),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [303, 404]);
      const winner = answers.find((answer) => answer.status === 303)!;
      const loser = answers.find((answer) => answer.status === 404)!;
      assert.equal(location(winner), '/console/');
      assert.ok(setCookie(winner, SESSION_COOKIE), 'the new administrator is signed in');
      assert.match(await loser.text(), SET_UP);

      const made = await admins();
      assert.equal(made.length, 1);
      const username = made[0]!.username;
      const events = await db()
        .selectFrom('audit_events')
        .select(['actor', 'actor_type', 'action', 'target', 'details'])
        .where('action', '=', 'user.created')
        .execute();
      assert.equal(events.length, 1);
      assert.deepEqual([events[0]!.actor, events[0]!.actor_type], ['setup', 'system']);
      assert.deepEqual(JSON.parse(events[0]!.details), { username, roles: ['admin'] });
      assert.deepEqual(await db().selectFrom('setup_codes').selectAll().execute(), [], 'the code is used up');

      // The winner's browser holds a session of the new administrator.
      const user = await db().selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
      const sessions = await db().selectFrom('sessions').select('user_id').where('revoked_at', 'is', null).execute();
      assert.deepEqual(sessions, [{ user_id: user.id }]);
      const browser = username === 'ada' ? ada : bob;
      const session = setCookie(winner, SESSION_COOKIE)!.split(';')[0];
      const account = await fetch(`${server.url}/account`, { headers: { cookie: `${browser.cookieHeader()}; ${session}` } });
      assert.equal(account.status, 200);
      assert.ok((await account.text()).includes(username));

      // Gone: the page, its form, the code, and the notices.
      const gone = await fetch(`${server.url}/setup`);
      assert.equal(gone.status, 404);
      assert.match(await gone.text(), SET_UP);
      const late = await fetch(`${server.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `setup_code=${code}`,
      });
      assert.equal(late.status, 404);
      assert.equal(await firstRun().issueCode(), undefined, 'no code once an administrator exists');
      assert.doesNotMatch(await (await fetch(`${server.url}/`)).text(), /no administrator yet/);
      assert.doesNotMatch(await (await fetch(`${server.url}/login`)).text(), /Set up Gatehouse/);
      assert.equal((await admins()).length, 1);
    });
  });

  describe(`the first run's setup page from the server's own machine (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());
    const db = () => server.server.gatehouse.store.db;

    test('no code is asked of a browser on this machine, but of one whose request carries a forwarding header', async () => {
      await firstRunOf(server.server.gatehouse).issueCode();
      const forwarded = await fetch(`${server.url}/setup`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
      assert.match(await forwarded.text(), /<label for="setup_code">Setup code<\/label>/);
      const browser = new TestBrowser(server.url);
      const page = await browser.get('/setup');
      const html = await page.text();
      assert.doesNotMatch(html, /Setup code/);
      assert.match(html, /You are on the machine the server runs on, so no setup code is needed\./);
      const created = await browser.post('/setup', { ...hiddenFields(html, '/setup'), username: 'root-admin', password: PASSWORD });
      assert.equal(created.status, 303);
      assert.equal(location(created), '/console/');
      const users = await db().selectFrom('users').select(['username', 'roles']).execute();
      assert.deepEqual(users, [{ username: 'root-admin', roles: '["admin"]' }]);
      assert.equal((await browser.get('/setup')).status, 404);
    });
  });

  describe(`npm start prints the setup code while there is no administrator (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let serve: ServeProcess | undefined;
    after(async () => {
      await serve?.stop();
      for (const step of cleanup.reverse()) await step();
    });

    const codeIn = (output: string) => /enter the setup code ([0-9A-Z-]+) \(valid for one hour/.exec(output)?.[1];
    const started = (process: ServeProcess) =>
      eventually(
        async () => process.output(),
        (output) => output.includes('No administrator yet') || output.includes('workers serving'),
      );

    test('each start of `serve --workers 2` prints one new code that every worker accepts; the last start voids the one before; none once set up', async () => {
      // Behind a trusted proxy, so that the code is asked for even from this machine.
      const env = { ...(await freshStoreEnv(backend, cleanup)), PORT: String(await freePort()), GATEHOUSE_TRUST_PROXY: '1' };
      const url = `http://127.0.0.1:${env.PORT}`;
      serve = await spawnServe(env, url, ['--workers', '2']);
      const first = codeIn(await started(serve));
      assert.match(first ?? '', CODE_FORMAT);
      await serve.stop();

      serve = await spawnServe(env, url, ['--workers', '2']);
      const output = await eventually(
        async () => serve!.output(),
        (text) => text.includes('No administrator yet') && (text.match(/serving \(\d of 2 workers serving\)/g) ?? []).length === 2,
      );
      const lines = output.split('\n').filter((line) => line.includes('setup code'));
      assert.equal(lines.length, 1, 'the primary prints it once, not every worker');
      assert.ok(lines[0]!.includes(`open http://localhost:${env.PORT}/setup and enter the setup code ${codeIn(output)}`), lines[0]);
      assert.match(
        lines[0]!,
        /valid for one hour, until \d{4}-\d\d-\d\dT[\d:.]+Z, and once; not needed in a browser on this machine\), or create one with "npm exec -- gatehouse users create --username admin --admin"/,
      );
      const second = codeIn(output)!;
      assert.notEqual(second, first);

      const post = async (code: string, username: string) => {
        const browser = new TestBrowser(url);
        const page = await browser.get('/setup');
        return browser.post('/setup', { ...hiddenFields(await page.text(), '/setup'), setup_code: code, username, password: PASSWORD });
      };
      assert.equal((await post(first!, 'ada')).status, 401, "the last start's code is void");
      const created = await post(second, 'ada');
      assert.equal(created.status, 303);
      assert.equal(location(created), '/console/');
      // Every worker sees it: the page is gone whichever one answers.
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${url}/setup`)).status, 404);
      await serve.stop();
      // The start-up line is the only one that ever held a code: neither the right one nor the void one posted since.
      assert.equal(serve.output().split(second).length - 1, 1, 'the code is printed once and logged nowhere else');
      assert.ok(!serve.output().includes(first!), 'nor is a guess');

      serve = await spawnServe(env, url);
      await eventually(
        async () => serve!.output(),
        (text) => text.includes('Console: '),
      );
      // The first-run notice would follow the console's line at once.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.doesNotMatch(serve.output(), /setup code|No administrator yet/);
    });
  });
}
