import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { AuditRepository } from '../src/store/audit.js';
import { backends } from './helpers/backends.js';
import { hiddenFields } from './helpers/browser.js';
import { createAlice, PASSWORD, USERNAME } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The address a client behind the proxies really has, and ones it tries to pass off as its own. */
const REAL = '198.51.100.7';
const LOOPBACK = '127.0.0.1';
const OTHER = '192.0.2.66';

/**
 * Signs in over real HTTP (login page, CSRF token, form POST) with the given X-Forwarded-For, as a browser behind a
 * proxy chain would; returns the status of the POST.
 */
async function signIn(server: TestServer, forwardedFor: string, password: string): Promise<number> {
  const page = await fetch(`${server.url}/login`, { headers: { 'x-forwarded-for': forwardedFor } });
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const fields = { ...hiddenFields(await page.text(), '/login'), username: USERNAME, password };
  const answer = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  await answer.arrayBuffer();
  return answer.status;
}

const metrics = (server: TestServer, forwardedFor: string) =>
  fetch(`${server.url}/metrics`, { headers: { 'x-forwarded-for': forwardedFor } });

async function throttleKeys(server: TestServer): Promise<string[]> {
  const rows = await server.server.gatehouse.store.db.selectFrom('sign_in_delays').select('key').where('key', 'like', 'ip:%').execute();
  return rows.map((row) => row.key).sort();
}

async function sessionAddresses(server: TestServer): Promise<string[]> {
  const rows = await server.server.gatehouse.store.db.selectFrom('sessions').select('ip').execute();
  return rows.map((row) => row.ip);
}

async function loginAuditAddresses(server: TestServer): Promise<string[]> {
  const { events } = await new AuditRepository(server.server.gatehouse.store, DEFAULT_TENANT).page(100);
  return events.filter((event) => event.action.startsWith('login.')).map((event) => event.ip ?? '');
}

// The test server listens on 127.0.0.1, so the proxy in front of it is the test itself at 127.0.0.1.
const settings = [
  { trust: '1', chain: (forged: string) => `${forged}, 203.0.113.50, ${REAL}` },
  { trust: '2', chain: (forged: string) => `${forged}, ${REAL}, 10.0.0.2` },
  { trust: '127.0.0.0/8, ::1', chain: (forged: string) => `${forged}, ${REAL}` },
  { trust: '127.0.0.1, 10.0.0.0/8', chain: (forged: string) => `${forged}, ${REAL}, 10.1.2.3` },
];

for (const backend of backends()) {
  for (const { trust, chain } of settings) {
    describe(`GATEHOUSE_TRUST_PROXY=${trust} on ${backend.name}: a client-supplied left-most X-Forwarded-For is never the client address`, () => {
      let server: TestServer;
      before(async () => {
        server = await startTestServer(backend, { GATEHOUSE_TRUST_PROXY: trust });
        await createAlice(server);
      });
      after(() => server.close());

      test('the /metrics loopback rule cannot be forged', async () => {
        const forged = await metrics(server, chain(LOOPBACK));
        assert.equal(forged.status, 403);
        assert.equal(((await forged.json()) as { error: string }).error, 'forbidden');
        // A loopback client that the trusted proxies report is still let in.
        const loopback = await metrics(server, trust === '2' ? `${LOOPBACK}, 10.0.0.2` : LOOPBACK);
        assert.equal(loopback.status, 200);
        await loopback.arrayBuffer();
      });

      test('the sign-in throttle, the audit log and the session record the right-most untrusted address', async () => {
        assert.equal(await signIn(server, chain(OTHER), 'wrong password'), 401);
        assert.deepEqual(await throttleKeys(server), [`ip:${REAL}`]);
        assert.equal(await signIn(server, chain(OTHER), PASSWORD), 303);
        assert.deepEqual(await sessionAddresses(server), [REAL]);
        assert.deepEqual(await loginAuditAddresses(server), [REAL, REAL]);
      });
    });
  }

  describe(`GATEHOUSE_TRUST_PROXY=off on ${backend.name}: X-Forwarded-For is ignored`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      await createAlice(server);
    });
    after(() => server.close());

    test('the socket address is the client address', async () => {
      assert.equal(await signIn(server, `${REAL}, 203.0.113.50`, 'wrong password'), 401);
      assert.deepEqual(await throttleKeys(server), ['ip:127.0.0.1']);
      const answer = await metrics(server, REAL);
      assert.equal(answer.status, 200);
      await answer.arrayBuffer();
    });
  });
}
