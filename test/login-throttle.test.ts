import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from './helpers/backends.js';
import { TestBrowser, hiddenFields, location } from './helpers/browser.js';
import { setCookie, signIn } from './helpers/authorize.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'correct horse';
const THROTTLED = 'Too many failed sign-in attempts. Wait a few minutes and try again.';
const ACCOUNT_LIMIT = 5;
const BURST = 100;

for (const backend of backends()) {
  describe(`sign-in throttle under parallel guesses (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());

    const createUser = (username: string) =>
      server.server.gatehouse.management.createUser({ username, password: PASSWORD, email: `${username}@example.com`, emailVerified: true, name: username });
    /** The stored counters: the account's and the (only) client address's. */
    async function counters(username: string): Promise<{ account: number | undefined; address: number | undefined }> {
      const rows = await server.server.gatehouse.store.db.selectFrom('login_throttle').select(['key', 'failures']).execute();
      return {
        account: rows.find((row) => row.key === `user:${username}`)?.failures,
        address: rows.find((row) => row.key.startsWith('ip:'))?.failures,
      };
    }

    test(`${BURST} parallel guesses, the right password last: at most ${ACCOUNT_LIMIT} evaluated, the rest throttled`, async () => {
      await createUser('victim');
      const b = new TestBrowser(server.url);
      const fields = hiddenFields(await (await b.get('/login')).text(), '/login');
      const responses = await Promise.all(
        Array.from({ length: BURST }, (_, i) => b.post('/login', { ...fields, username: 'victim', password: i === BURST - 1 ? PASSWORD : `wrong guess ${i}` })),
      );
      const statuses = responses.map((response) => response.status);
      const evaluated = statuses.filter((status) => status !== 429);
      assert.ok(evaluated.length <= ACCOUNT_LIMIT, `${evaluated.length} of ${BURST} guesses were evaluated (${statuses.filter((s) => s === 303).length} signed in)`);
      assert.deepEqual(evaluated, evaluated.map(() => 401), 'an evaluated guess is a wrong password');
      assert.equal(statuses.filter((status) => status === 429).length, BURST - evaluated.length);
      for (const response of responses.filter((r) => r.status === 429)) {
        assert.ok((await response.text()).includes(THROTTLED));
        assert.equal(setCookie(response, 'gh_session'), undefined);
      }
      // Only the evaluated failures stay counted: a throttled attempt is withdrawn, for the account and the address.
      assert.deepEqual(await counters('victim'), { account: evaluated.length, address: evaluated.length });

      // The owner is throttled for the window like after five sequential failures...
      const owner = await signIn(b, '/login', 'victim', PASSWORD);
      assert.equal(owner.status, 429);
      // ...while a successful sign-in of another account from the same address costs the address nothing.
      await createUser('bystander');
      assert.equal(location(await signIn(new TestBrowser(server.url), '/login', 'bystander', PASSWORD)), '/account');
      assert.deepEqual(await counters('victim'), { account: evaluated.length, address: evaluated.length });
    });
  });
}
