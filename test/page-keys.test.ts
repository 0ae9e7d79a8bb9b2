import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { loadConfig } from '../src/config.js';
import { createGatehouse } from '../src/gatehouse.js';
import { loadMasterKey } from '../src/keys/master-key.js';
import { PAGE_KEY_NAMES } from '../src/keys/page-keys.js';
import { seal, unseal } from '../src/keys/sealed-box.js';
import { nowSeconds } from '../src/ports/clock.js';
import { startServer } from '../src/serve.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { freshStoreEnv, type ServeProcess, spawnServe } from './helpers/cli.js';
import { storeBeforeMigration } from './helpers/migrations.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'Tq8#vLm2!pZr5wXe';

/**
 * The pages' keys (issue 9, item 8). Before: the CSRF key and the interaction key were HKDF(master key), so every
 * CSRF token, with the browser id beside it in the cookie, was an offline test of a guessed GATEHOUSE_SECRET.
 */
for (const backend of backends()) {
  describe(`page keys are random, stored sealed, and shared by every process on the store (${backend.name})`, () => {
    let server: TestServer;
    let other: ServeProcess;
    let masterKey: Buffer;

    before(async () => {
      server = await startTestServer(backend);
      masterKey = loadMasterKey(server.config.masterSecret, server.config.dataDir);
      await server.server.gatehouse.management.users.createUser({ username: 'pat', password: PASSWORD });
      const port = await freePort();
      other = await spawnServe({ ...server.env, PORT: String(port) }, `http://127.0.0.1:${port}`);
    });
    after(async () => {
      await other?.stop();
      await server?.close();
    });

    test('each is a random 256-bit key, stored only sealed under the master key, derived from nothing', async () => {
      const rows = await server.server.gatehouse.store.db.selectFrom('page_keys').selectAll().orderBy('name').execute();
      assert.deepEqual(
        rows.map((row) => row.name),
        [...PAGE_KEY_NAMES].sort(),
      );
      for (const row of rows) {
        const key = server.server.gatehouse.pageKeys.key(row.name as (typeof PAGE_KEY_NAMES)[number]);
        assert.equal(key.length, 32);
        assert.match(row.key_sealed, /^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
        for (const encoding of ['base64url', 'base64', 'hex'] as const) {
          assert.ok(!row.key_sealed.includes(key.toString(encoding)), `the raw key is not in the row (${encoding})`);
        }
        assert.deepEqual(Buffer.from(unseal(masterKey, row.key_sealed, `page-key:${row.name}`), 'base64url'), key);
        const derived = Buffer.from(hkdfSync('sha256', masterKey, 'gatehouse', row.name === 'csrf' ? 'csrf/v1' : 'interactions/v1', 32));
        assert.notDeepEqual(key, derived, 'not the old derivation from the master key');
      }
    });

    test('a CSRF token in the old form (an HMAC under a key derived from GATEHOUSE_SECRET) is refused', async () => {
      const b = new TestBrowser(server.url);
      const fields = hiddenFields(await (await b.get('/login')).text(), '/login');
      const oldKey = Buffer.from(hkdfSync('sha256', masterKey, 'gatehouse', 'csrf/v1', 32));
      const oldToken = createHmac('sha256', oldKey)
        .update(`login\n${b.cookie('gh_browser')}`)
        .digest('base64url');
      assert.notEqual(fields.csrf, oldToken);
      assert.ok(!fields.csrf!.includes(oldToken));
      const refused = await b.post('/login', { ...fields, csrf: oldToken, username: 'pat', password: PASSWORD });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /This form has expired/);
      assert.equal(b.cookie('gh_session'), undefined);
    });

    test('a form rendered by one process is accepted by the other (same CSRF key)', async () => {
      const atA = new TestBrowser(server.url);
      const fields = hiddenFields(await (await atA.get('/login')).text(), '/login');
      const signedIn = await atA.at(other.url).post('/login', { ...fields, username: 'pat', password: PASSWORD });
      assert.equal(signedIn.status, 303, other.output());
      assert.equal(location(signedIn), '/account');
      assert.ok(atA.cookie('gh_session'));
    });

    test('processes starting together on a new store create one set of page keys and all use it', async () => {
      const cleanup: (() => Promise<void>)[] = [];
      try {
        for (let round = 0; round < 3; round++) {
          const env = await freshStoreEnv(backend, cleanup);
          const [a, b] = [await createGatehouse(loadConfig(env)), await createGatehouse(loadConfig(env))];
          try {
            await Promise.all([a.pageKeys.ensure(), b.pageKeys.ensure()]);
            for (const name of PAGE_KEY_NAMES) assert.deepEqual(a.pageKeys.key(name), b.pageKeys.key(name), `round ${round}: ${name}`);
            assert.equal((await a.store.db.selectFrom('page_keys').select('name').execute()).length, PAGE_KEY_NAMES.length);
          } finally {
            await a.close();
            await b.close();
          }
        }
      } finally {
        for (const step of cleanup.reverse()) await step();
      }
    });
  });
}

const MIGRATION = '0010_page_keys';

/** Migration 0010_page_keys on a store in use: the next start creates the page keys and keeps the signing keys. */
for (const backend of backends()) {
  test(`a store from before ${MIGRATION} gets its page keys at the next start (${backend.name})`, async () => {
    const cleanup: (() => Promise<void>)[] = [];
    try {
      const { config, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);
      // The signing keys an older version made: one active key per algorithm, sealed under the master key.
      const masterKey = loadMasterKey(config.masterSecret, config.dataDir);
      const kids: string[] = [];
      for (const [alg, pair] of [
        ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
        ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ] as const) {
        const publicJwk = pair.publicKey.export({ format: 'jwk' });
        const kid = await calculateJwkThumbprint(publicJwk as JWK);
        kids.push(kid);
        const private_jwk_sealed = seal(masterKey, JSON.stringify(pair.privateKey.export({ format: 'jwk' })), kid);
        await old
          .insertInto('signing_keys')
          .values({ kid, alg, public_jwk: JSON.stringify(publicJwk), private_jwk_sealed, status: 'active', created_at: nowSeconds() })
          .execute();
      }
      kids.sort();
      const running = await startServer({ ...config, port: 0 }, { logging: false, purges: false });
      try {
        assert.deepEqual((await running.gatehouse.keys.list()).map((key) => key.kid).sort(), kids, 'the signing keys are kept');
        const rows = await running.gatehouse.store.db.selectFrom('page_keys').select('name').orderBy('name').execute();
        assert.deepEqual(
          rows.map((row) => row.name),
          [...PAGE_KEY_NAMES].sort(),
        );
        const b = new TestBrowser(running.url);
        const fields = hiddenFields(await (await b.get('/login')).text(), '/login');
        assert.equal((await b.post('/login', { ...fields, username: 'nobody', password: PASSWORD })).status, 401, 'the form posts');
      } finally {
        await running.close();
      }
    } finally {
      for (const step of cleanup.reverse()) await step();
    }
  });
}
