import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { loadConfig } from '../src/config.js';
import { createGatehouse, type Gatehouse } from '../src/gatehouse.js';
import type { SigningAlgorithm } from '../src/keys/key-store.js';
import { nowSeconds } from '../src/ports/clock.js';
import { MIGRATION_NAMES } from '../src/store/migrations.js';
import { backends } from './helpers/backends.js';
import { eventually, freshStoreEnv, gatehouseJson, isolatedEnv } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

for (const backend of backends()) {
  describe(`signing keys: JWKS, sealing at rest, rotation (${backend.name})`, () => {
    let server: TestServer;
    let clientId: string;
    let clientSecret: string;

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read']);
      ({ clientId, clientSecret } = await server.createClient({ name: 'Keys', roles: ['reader'] }));
    });
    after(() => server?.close());

    const post = async (path: string, form: Record<string, string>) => {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...form }),
      });
      assert.equal(response.status, 200, `${path}: ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const token = async () => (await post('/oauth2/token', { grant_type: 'client_credentials' })).access_token as string;
    const introspect = (accessToken: string) => post('/oauth2/introspect', { token: accessToken });
    const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
    const fetchJwks = async () => {
      const response = await fetch(`${server.url}/.well-known/jwks.json`);
      assert.equal(response.status, 200);
      return { response, jwks: (await response.json()) as { keys: JWK[] } };
    };
    const publishedKids = async () => (await fetchJwks()).jwks.keys.map((key) => key.kid).sort();
    const keyRows = () => server.server.gatehouse.store.db.selectFrom('signing_keys').selectAll().execute();

    test('the JWKS holds one ES256 (P-256) and one RS256 (≥ 2048-bit) public key and nothing private', async () => {
      const { response, jwks } = await fetchJwks();
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.match(response.headers.get('cache-control') ?? '', /max-age=\d+/);
      assert.equal(jwks.keys.length, 2);
      const es = jwks.keys.find((key) => key.alg === 'ES256');
      const rs = jwks.keys.find((key) => key.alg === 'RS256');
      assert.ok(es && rs, JSON.stringify(jwks));
      assert.equal(es.kty, 'EC');
      assert.equal(es.crv, 'P-256');
      assert.equal(Buffer.from(es.x!, 'base64url').length, 32);
      assert.equal(Buffer.from(es.y!, 'base64url').length, 32);
      assert.equal(rs.kty, 'RSA');
      assert.ok(Buffer.from(rs.n!, 'base64url').length * 8 >= 2048, 'RSA modulus must be at least 2048 bits');
      assert.equal(rs.e, 'AQAB');
      for (const key of jwks.keys) {
        assert.equal(key.use, 'sig');
        assert.ok(key.kid);
        assert.equal(key.kid, await calculateJwkThumbprint(key), 'kid is the RFC 7638 thumbprint');
        for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, `JWKS key ${key.kid} exposes "${member}"`);
      }
      assert.notEqual(es.kid, rs.kid);

      const accessToken = await token();
      assert.equal(kidOf(accessToken), es.kid);
      const { protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), { issuer: server.issuer });
      assert.equal(protectedHeader.alg, 'ES256');
    });

    test('private keys are sealed at rest and do not open with another GATEHOUSE_SECRET', async () => {
      const rows = await keyRows();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        const sealed = row.private_jwk_sealed ?? '';
        assert.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
        assert.ok(!sealed.includes('"d"') && !sealed.includes('{'), 'the sealed value must not hold JSON');
        assert.ok(!sealed.includes(JSON.parse(row.public_jwk).x ?? JSON.parse(row.public_jwk).n));
        for (const member of PRIVATE_MEMBERS) assert.equal(member in JSON.parse(row.public_jwk), false);
      }

      const sameSecret = await createGatehouse(loadConfig(server.env));
      try {
        assert.equal((await sameSecret.keys.signingKey('ES256')).kid, rows.find((row) => row.alg === 'ES256')!.kid);
      } finally {
        await sameSecret.close();
      }
      const otherSecret = await createGatehouse(loadConfig({ ...server.env, GATEHOUSE_SECRET: randomBytes(32).toString('base64url') }));
      try {
        await assert.rejects(otherSecret.keys.signingKey('ES256'), (error: Error) => {
          assert.match(error.message, /GATEHOUSE_SECRET/);
          assert.match(error.message, /does not open with this master key/);
          return true;
        });
      } finally {
        await otherSecret.close();
      }
    });

    test('rotation: new tokens get the new kid, old tokens stay valid until the old key expires', async () => {
      const { keys, store } = server.server.gatehouse;
      const before = await token();
      const [oldEs, oldRs] = [kidOf(before), (await keys.list()).find((key) => key.alg === 'RS256')!.kid];

      // Bracketed: generating an RSA key can take seconds on a loaded machine.
      const startedAt = nowSeconds();
      const rotated = await keys.rotate();
      const rotatedAt = nowSeconds();
      const newEs = rotated.find((entry) => entry.alg === 'ES256')!;
      const newRs = rotated.find((entry) => entry.alg === 'RS256')!;
      assert.equal(rotated.length, 2);
      assert.equal(newEs.retired, oldEs);
      assert.equal(newRs.retired, oldRs);

      const afterRotation = await token();
      assert.equal(kidOf(afterRotation), newEs.kid);
      assert.notEqual(newEs.kid, oldEs);
      assert.deepEqual(await publishedKids(), [oldEs, oldRs, newEs.kid, newRs.kid].sort());
      const { jwks } = await fetchJwks();
      await jwtVerify(before, createLocalJWKSet(jwks), { issuer: server.issuer });
      await jwtVerify(afterRotation, createLocalJWKSet(jwks), { issuer: server.issuer });
      assert.equal((await introspect(before)).active, true);

      const listed = await keys.list();
      for (const kid of [oldEs, oldRs]) {
        const info = listed.find((key) => key.kid === kid)!;
        assert.equal(info.status, 'retired');
        // Published for as long as anything it signed can live (access tokens 1800 s, id tokens), plus a minute of skew.
        const lifetime = Math.max(1800, server.config.idTokenTtl ?? 0) + 60;
        const within = (value: number, from: number, to: number) => value >= from && value <= to;
        assert.ok(within(info.publish_until!, startedAt + lifetime, rotatedAt + lifetime), `publish_until ${info.publish_until}`);
        assert.ok(within(info.retired_at!, startedAt, rotatedAt), `retired_at ${info.retired_at}`);
      }
      for (const kid of [newEs.kid, newRs.kid]) {
        assert.deepEqual((({ status, publish_until }) => ({ status, publish_until }))(listed.find((key) => key.kid === kid)!), {
          status: 'active',
          publish_until: null,
        });
      }

      // Every token the old keys signed has expired now.
      await store.db
        .updateTable('signing_keys')
        .set({ publish_until: nowSeconds() - 1 })
        .where('status', '=', 'retired')
        .execute();
      await store.announceChange();
      assert.deepEqual(await publishedKids(), [newEs.kid, newRs.kid].sort());
      assert.deepEqual(await introspect(before), { active: false });
      assert.equal((await introspect(afterRotation)).active, true);
      const rows = await keyRows();
      for (const row of rows) {
        const retired = row.kid === oldEs || row.kid === oldRs;
        assert.equal(row.private_jwk_sealed === null, retired, `private part of ${row.kid} (${row.status})`);
      }
      assert.deepEqual(
        (await keys.list())
          .filter((key) => key.status === 'expired')
          .map((key) => key.kid)
          .sort(),
        [oldEs, oldRs].sort(),
      );
    });

    test('a rotation by the CLI in another process is picked up by the running server', async () => {
      const current = kidOf(await token());
      const rotated = await gatehouseJson<{ alg: string; kid: string; retired?: string }[]>(server.env, 'keys', 'rotate', '--yes');
      const es = rotated.find((entry) => entry.alg === 'ES256');
      assert.ok(es, JSON.stringify(rotated));
      assert.equal(es.retired, current);
      const next = await eventually(token, (jwt) => kidOf(jwt) === es.kid, backend.name === 'postgres' ? 2000 : 0);
      assert.equal(kidOf(next), es.kid);
      const kids = await publishedKids();
      assert.ok(kids.includes(es.kid) && kids.includes(current!), `JWKS ${kids.join(' ')}`);
    });

    if (backend.name === 'sqlite') {
      test('a rotation waits while another process holds the SQLite write lock instead of failing', async () => {
        const lock = await holdSqliteWriteLock(join(server.config.dataDir, 'gatehouse.sqlite'), 500);
        const started = Date.now();
        try {
          const rotated = await server.server.gatehouse.keys.rotate(['ES256']);
          assert.equal(rotated.length, 1);
          assert.ok(Date.now() - started >= 300, 'the rotation finished while the lock was still held');
          assert.equal(kidOf(await token()), rotated[0]!.kid);
        } finally {
          await lock.released;
        }
      });
    }
  });

  describe(`signing keys: two instances on one fresh database (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });
    const activeKeys = (gatehouse: Gatehouse) =>
      gatehouse.store.db.selectFrom('signing_keys').select(['alg', 'kid']).where('status', '=', 'active').orderBy('alg').execute();
    const expectOneSharedKeyPerAlgorithm = async (a: Gatehouse, b: Gatehouse) => {
      const active = await activeKeys(a);
      assert.deepEqual(
        active.map((row) => row.alg),
        ['ES256', 'RS256'],
      );
      for (const { alg, kid } of active) {
        assert.equal((await a.keys.signingKey(alg as SigningAlgorithm)).kid, kid);
        assert.equal((await b.keys.signingKey(alg as SigningAlgorithm)).kid, kid);
      }
    };

    test('ensureKeys called by both at once ends with exactly one active key per algorithm, shared by both', async () => {
      const config = loadConfig(await freshStoreEnv(backend, cleanup));
      const a = await createGatehouse(config);
      cleanup.push(() => a.close());
      const b = await createGatehouse(config);
      cleanup.push(() => b.close());
      // The race is timing-dependent, so it is run a few times from an empty key table.
      for (let round = 1; round <= 5; round++) {
        await a.store.db.deleteFrom('signing_keys').execute();
        const results = await Promise.allSettled([a.keys.ensureKeys(), b.keys.ensureKeys()]);
        const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        assert.deepEqual(failures, [], `round ${round}: neither ensureKeys may fail`);
        await expectOneSharedKeyPerAlgorithm(a, b);
      }
    });

    // Separate processes, as deployments run them: SQLite's busy wait blocks its own thread, so two instances in
    // one process would only wait on each other.
    test('two processes migrating a fresh store at once both succeed, with one active key per algorithm', async () => {
      const env = await freshStoreEnv(backend, cleanup);
      const [first, second] = await Promise.all([gatehouseJson(env, 'migrate'), gatehouseJson(env, 'migrate')]);
      // Each migration applied exactly once, by one process or the other.
      assert.deepEqual([...first.applied, ...second.applied].sort(), MIGRATION_NAMES);
      const keys = await gatehouseJson<{ alg: string; status: string }[]>(env, 'keys', 'list');
      assert.deepEqual(
        keys
          .filter((key) => key.status === 'active')
          .map((key) => key.alg)
          .sort(),
        ['ES256', 'RS256'],
      );
    });
  });
}

/** Another process holding SQLite's write lock for `ms`; resolves once the lock is taken. */
async function holdSqliteWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN IMMEDIATE'); console.log('locked');
setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], {
    cwd: root,
    env: isolatedEnv({}),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const released = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('close', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return { released };
}
