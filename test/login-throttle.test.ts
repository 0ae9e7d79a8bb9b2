import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { MAX_DEVICE_FAILURES } from '../src/accounts/login.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { SignInDelayRepository } from '../src/store/sign-in-delays.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { cookieAttributes, setCookie, signIn } from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'Tq8#vLm2!pZr5wXe';
const FREE_FAILURES = 3;
const FREE_FAILURES_PER_ADDRESS = 20;
/** Long delays (1, 2, 4, 8, 16 minutes) make "inside the delay" certain however slow the machine; tests rewind the store instead. */
const FIRST_DELAY = 60;
const MAX_DELAY = 960;
const QUIET_PERIOD = 4 * MAX_DELAY;
const BURST = 100;
const DEVICE_COOKIE = 'gh_device';

/** The wait as the page names it. */
const waitText = (seconds: number) => {
  const [count, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `Too many failed sign-in attempts. Try again in ${count} ${unit}${count === 1 ? '' : 's'}.`;
};

for (const backend of backends()) {
  describe(`sign-in delays and device cookies (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, {
        GATEHOUSE_SIGN_IN_DELAY: String(FIRST_DELAY),
        GATEHOUSE_SIGN_IN_MAX_DELAY: String(MAX_DELAY),
      });
    });
    after(() => server.close());
    // Every test signs in from 127.0.0.1: each starts with that address's count at zero.
    beforeEach(async () => {
      await db().deleteFrom('sign_in_delays').execute();
    });

    const db = () => server.server.gatehouse.store.db;
    const createUser = (username: string) =>
      server.server.gatehouse.management.users.createUser({
        username,
        password: PASSWORD,
        email: `${username}@example.com`,
        emailVerified: true,
        name: username,
      });
    const counter = (key: string) =>
      db().selectFrom('sign_in_delays').select(['failures', 'last_failure_ms']).where('key', '=', key).executeTakeFirst();
    const devices = () => db().selectFrom('sign_in_devices');
    /** Moves the key's last failure `seconds` into the past, as if that much time had gone by. */
    const rewind = (key: string, seconds: number) =>
      db()
        .updateTable('sign_in_delays')
        .set((eb) => ({ last_failure_ms: eb('last_failure_ms', '-', seconds * 1000) }))
        .where('key', '=', key)
        .execute();
    const throttledEvents = async () => {
      const events = await db()
        .selectFrom('audit_events')
        .select(['actor', 'details'])
        .where('action', '=', 'login.throttled')
        .orderBy('id')
        .execute();
      return events.map((e) => ({ actor: e.actor, details: JSON.parse(e.details) as Record<string, unknown> }));
    };

    /** A 429 that signed no one in, whose Retry-After lies in (min, max] and whose page names that wait. */
    async function assertDelayed(response: Response, min: number, max: number): Promise<number> {
      assert.equal(response.status, 429);
      assert.equal(setCookie(response, 'gh_session'), undefined);
      assert.equal(setCookie(response, DEVICE_COOKIE), undefined);
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(retryAfter > min && retryAfter <= max, `Retry-After ${retryAfter} not in (${min}, ${max}]`);
      const html = await response.text();
      assert.ok(html.includes(waitText(retryAfter)), html);
      return retryAfter;
    }

    /** A browser on the sign-in form, with the form's hidden fields. */
    async function onLoginPage(browser = new TestBrowser(server.url)) {
      return { b: browser, fields: hiddenFields(await (await browser.get('/login')).text(), '/login') };
    }

    test(`${BURST} parallel guesses, the right password last: only the ${FREE_FAILURES} free failures are evaluated`, async () => {
      await createUser('victim');
      const { b, fields } = await onLoginPage();
      const responses = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          b.post('/login', { ...fields, username: 'victim', password: i === BURST - 1 ? PASSWORD : `wrong guess ${i}` }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      const evaluated = statuses.filter((status) => status !== 429);
      const signedIn = statuses.filter((s) => s === 303).length;
      assert.equal(evaluated.length, FREE_FAILURES, `${evaluated.length} of ${BURST} guesses were evaluated (${signedIn} signed in)`);
      assert.deepEqual(
        evaluated,
        evaluated.map(() => 401),
        'an evaluated guess is a wrong password',
      );
      // A refused attempt may have read the clock a moment before the claim it lost to: up to a second more to wait.
      for (const response of responses.filter((r) => r.status === 429)) await assertDelayed(response, 0, FIRST_DELAY + 1);
      // Only the evaluated failures are counted: a refused attempt counts neither for the account nor the address.
      assert.equal((await counter('user:victim'))?.failures, FREE_FAILURES);
      assert.equal((await counter('ip:127.0.0.1'))?.failures, FREE_FAILURES);
    });

    test('inside the delay even the right password is refused, unchecked and uncounted; failures double it; success resets', async () => {
      await createUser('grace');
      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await signIn(stranger, '/login', 'grace', `wrong ${i}`)).status, 401);
      const afterFree = await counter('user:grace');
      assert.equal(afterFree?.failures, FREE_FAILURES);

      // Refused without a look at the password, and not counted: the stored counter is exactly as it was.
      await assertDelayed(await signIn(stranger, '/login', 'Grace', PASSWORD), 0, FIRST_DELAY);
      await assertDelayed(await signIn(stranger, '/login', 'grace', 'a guess inside the delay'), 0, FIRST_DELAY);
      assert.deepEqual(await counter('user:grace'), afterFree);
      const events = await throttledEvents();
      assert.deepEqual(events.at(-1), {
        actor: 'anonymous',
        details: { username: 'grace', device_cookie: false, delayed: 'account', retry_after: events.at(-1)!.details.retry_after },
      });

      // Past the delay one guess is evaluated, and its failure doubles the next delay: 2, then 4 minutes.
      for (const [waited, next] of [
        [FIRST_DELAY, 2 * FIRST_DELAY],
        [2 * FIRST_DELAY, 4 * FIRST_DELAY],
      ] as const) {
        await rewind('user:grace', waited);
        assert.equal((await signIn(stranger, '/login', 'grace', 'one more guess')).status, 401);
        await assertDelayed(await signIn(stranger, '/login', 'grace', PASSWORD), next / 2, next);
      }
      assert.equal((await counter('user:grace'))?.failures, FREE_FAILURES + 2);

      // The owner, waiting it out, gets in; the account's count is gone and the next typo is free again.
      await rewind('user:grace', 4 * FIRST_DELAY);
      assert.equal(location(await signIn(new TestBrowser(server.url), '/login', 'grace', PASSWORD)), '/account');
      assert.equal(await counter('user:grace'), undefined);
      assert.equal((await signIn(stranger, '/login', 'grace', 'a typo')).status, 401);
      assert.equal((await counter('user:grace'))?.failures, 1);
    });

    test('an attempt within the free failures is let through even when a parallel one stored a later clock reading', async () => {
      const delays = new SignInDelayRepository(server.server.gatehouse.store, DEFAULT_TENANT, 3600_000);
      const schedule = { freeFailures: 3, firstDelayMs: 60_000, maxDelayMs: 900_000 };
      const now = Date.now();
      // Two parallel attempts read the clock in one order and ran their statements in the other.
      assert.equal((await delays.claim('ip:198.51.100.7', schedule, now + 5)).allowed, true);
      assert.equal((await delays.claim('ip:198.51.100.7', schedule, now)).allowed, true, 'a free failure is not delayed');
      assert.equal((await delays.claim('ip:198.51.100.7', schedule, now + 1)).allowed, true);
      assert.deepEqual(await counter('ip:198.51.100.7'), { failures: 3, last_failure_ms: now + 1 });
      // Past the free failures the delay holds, whichever clock reading comes in.
      assert.equal((await delays.claim('ip:198.51.100.7', schedule, now + 2)).allowed, false);
    });

    test('the delay never exceeds the longest, and a counter quiet for four times the longest starts again', async () => {
      await createUser('ivan');
      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < FREE_FAILURES + 6; i++) {
        await rewind('user:ivan', MAX_DELAY);
        assert.equal((await signIn(stranger, '/login', 'ivan', `wrong ${i}`)).status, 401);
      }
      await assertDelayed(await signIn(stranger, '/login', 'ivan', PASSWORD), MAX_DELAY / 2, MAX_DELAY);
      await rewind('user:ivan', QUIET_PERIOD);
      assert.equal((await signIn(stranger, '/login', 'ivan', 'wrong after a quiet hour')).status, 401);
      assert.equal((await counter('user:ivan'))?.failures, 1);
    });

    test("the owner's browser with a device cookie signs in while strangers are held back", async () => {
      await createUser('olga');
      const owner = new TestBrowser(server.url);
      const first = await signIn(owner, '/login', 'olga', PASSWORD);
      assert.equal(location(first), '/account');
      const line = setCookie(first, DEVICE_COOKIE);
      assert.ok(line, 'a device cookie after the sign-in');
      for (const attribute of ['httponly', 'samesite=lax', 'path=/', `max-age=${365 * 86400}`]) {
        assert.ok(cookieAttributes(line).includes(attribute), `${attribute} missing in ${line}`);
      }
      const device = owner.cookie(DEVICE_COOKIE)!;
      assert.match(device, /^[\w-]{43}$/);
      // Stored by its hash only, bound to olga.
      const olga = await db().selectFrom('users').select('id').where('username', '=', 'olga').executeTakeFirstOrThrow();
      const stored = await devices().select(['user_id', 'failures']).where('token_hash', '=', sha256Hex(device)).execute();
      assert.deepEqual(stored, [{ user_id: olga.id, failures: 0 }]);
      assert.equal((await devices().select('token_hash').where('token_hash', '=', device).execute()).length, 0);

      // Strangers drive olga's account into its delay; even the right password is refused to them.
      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await signIn(stranger, '/login', 'olga', `wrong ${i}`)).status, 401);
      await assertDelayed(await signIn(new TestBrowser(server.url), '/login', 'olga', PASSWORD), 0, FIRST_DELAY);
      const underAttack = await counter('user:olga');

      // Her own browser is not held back; the sign-in replaces its device cookie and leaves the strangers' delay alone.
      const again = await signIn(owner, '/login', 'olga', PASSWORD);
      assert.equal(location(again), '/account');
      assert.ok(setCookie(again, 'gh_session'));
      const renewed = owner.cookie(DEVICE_COOKIE)!;
      assert.notEqual(renewed, device);
      const olgasDevices = await devices().select('token_hash').where('user_id', '=', olga.id).execute();
      assert.deepEqual(
        olgasDevices.map((r) => r.token_hash),
        [sha256Hex(renewed)],
      );
      assert.deepEqual(await counter('user:olga'), underAttack);
      await assertDelayed(await signIn(stranger, '/login', 'olga', PASSWORD), 0, FIRST_DELAY);
      // A typo in her browser is hers to make: evaluated, counted on the device only.
      assert.equal((await signIn(owner, '/login', 'olga', 'olga typing fast')).status, 401);
      assert.deepEqual(await counter('user:olga'), underAttack);

      // The cookie is olga's: for another account under delay it counts for nothing, and the audit says one came along.
      await createUser('peter');
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await signIn(stranger, '/login', 'peter', `wrong ${i}`)).status, 401);
      await assertDelayed(await signIn(owner, '/login', 'peter', PASSWORD), 0, FIRST_DELAY);
      assert.deepEqual((await throttledEvents()).at(-1)?.details.device_cookie, true);
      assert.ok(!JSON.stringify(await throttledEvents()).includes(renewed), 'the cookie value is never logged');
    });

    test(`a stolen device cookie gets ${MAX_DEVICE_FAILURES} evaluations, however many guesses arrive at once`, async () => {
      await createUser('quinn');
      const owner = new TestBrowser(server.url);
      assert.equal(location(await signIn(owner, '/login', 'quinn', PASSWORD)), '/account');
      const thief = new TestBrowser(server.url, new Map([[DEVICE_COOKIE, owner.cookie(DEVICE_COOKIE)!]]));
      const { fields } = await onLoginPage(thief);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => thief.post('/login', { ...fields, username: 'quinn', password: `stolen guess ${i}` })),
      );
      const statuses = responses.map((response) => response.status);
      // The device's own failures first, then the account's free ones: the cookie adds no more than its limit.
      assert.equal(statuses.filter((status) => status === 401).length, MAX_DEVICE_FAILURES + FREE_FAILURES, statuses.join(' '));
      assert.equal(statuses.filter((status) => status === 429).length, 40 - MAX_DEVICE_FAILURES - FREE_FAILURES);
      const stolen = sha256Hex(owner.cookie(DEVICE_COOKIE)!);
      const stored = await devices().select('failures').where('token_hash', '=', stolen).executeTakeFirstOrThrow();
      assert.equal(stored.failures, MAX_DEVICE_FAILURES);
      // Spent, the cookie no longer passes the account's delay, not even with the right password.
      await assertDelayed(await signIn(owner, '/login', 'quinn', PASSWORD), 0, FIRST_DELAY);
    });

    test(`past ${FREE_FAILURES_PER_ADDRESS} failures from one address (a proxy) strangers wait, a returning owner not`, async () => {
      await createUser('rosa');
      const owner = new TestBrowser(server.url);
      assert.equal(location(await signIn(owner, '/login', 'rosa', PASSWORD)), '/account');
      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < FREE_FAILURES_PER_ADDRESS; i++) {
        assert.equal((await signIn(stranger, '/login', `nobody-${i}`, 'wrong')).status, 401);
      }
      assert.equal((await counter('ip:127.0.0.1'))?.failures, FREE_FAILURES_PER_ADDRESS);

      await assertDelayed(await signIn(stranger, '/login', 'nobody-else', 'wrong'), 0, FIRST_DELAY);
      await assertDelayed(await signIn(new TestBrowser(server.url), '/login', 'rosa', PASSWORD), 0, FIRST_DELAY);
      assert.equal((await throttledEvents()).at(-1)?.details.delayed, 'address');
      assert.equal(await counter('user:nobody-else'), undefined, 'an attempt the address refused never touches the account');
      assert.equal(location(await signIn(owner, '/login', 'rosa', PASSWORD)), '/account');
      assert.equal((await counter('ip:127.0.0.1'))?.failures, FREE_FAILURES_PER_ADDRESS);

      // Once the delay is over, a success from the address takes back its claim whole: the delay does not run again
      // from it, and the next stranger's attempt is evaluated.
      await rewind('ip:127.0.0.1', FIRST_DELAY);
      const waitedOut = await counter('ip:127.0.0.1');
      await createUser('sam');
      assert.equal(location(await signIn(new TestBrowser(server.url), '/login', 'sam', PASSWORD)), '/account');
      assert.deepEqual(await counter('ip:127.0.0.1'), waitedOut);
      assert.equal((await signIn(stranger, '/login', 'nobody-else', 'wrong')).status, 401);
    });
  });
}

describe('device cookie of an https issuer', () => {
  test('__Host-gh_device: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain; it lets its owner past the delay', async () => {
    const env = { GATEHOUSE_ISSUER: 'https://auth.example.test', GATEHOUSE_SIGN_IN_DELAY: String(FIRST_DELAY) };
    const server = await startTestServer({ name: 'sqlite' }, env);
    try {
      await server.server.gatehouse.management.users.createUser({ username: 'secure', password: PASSWORD });
      const owner = new TestBrowser(server.url);
      const line = setCookie(await signIn(owner, '/login', 'secure', PASSWORD), `__Host-${DEVICE_COOKIE}`);
      const attributes = cookieAttributes(line ?? '');
      for (const attribute of ['secure', 'httponly', 'samesite=lax', 'path=/']) {
        assert.ok(attributes.includes(attribute), `${attribute} missing: ${line}`);
      }
      assert.ok(!attributes.some((attribute) => attribute.startsWith('domain=')));
      const stranger = new TestBrowser(server.url);
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await signIn(stranger, '/login', 'secure', `wrong ${i}`)).status, 401);
      assert.equal((await signIn(stranger, '/login', 'secure', PASSWORD)).status, 429);
      assert.equal(location(await signIn(owner, '/login', 'secure', PASSWORD)), '/account');
    } finally {
      await server.close();
    }
  });
});
