import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { compactVerify, SignJWT } from 'jose';
import { isSigningAlgorithm, KeyStore, SIGNING_ALGORITHMS } from '../../../src/keys/key-store.js';
import { MasterKeyMismatchError } from '../../../src/keys/master-key.js';
import { MemorySigningKeys } from '../../../src/memory/keys.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from '../../../src/oidc/id-tokens.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import { StoreUnavailableError } from '../../../src/ports/storage-errors.js';

const MAX_SIGNED_LIFETIME = 900;
const STALE_MS = 60_000;
const mismatch = (what: RegExp) => (error: unknown) => error instanceof MasterKeyMismatchError && what.test(error.message);

/** A key store over memory whose change counter the test moves, as a rotation by another process would. */
function keyStore(repository = new MemorySigningKeys(), masterKey = randomBytes(32)) {
  const changes = {
    current: 0,
    generation() {
      return this.current;
    },
  };
  const keys = new KeyStore(repository, changes, masterKey, async () => MAX_SIGNED_LIFETIME, STALE_MS);
  return { keys, repository, changes, masterKey };
}

test('ES256 (access tokens) and RS256 (the id_token algorithm OpenID Connect requires) are the signing algorithms', () => {
  assert.deepEqual([...SIGNING_ALGORITHMS], ['ES256', 'RS256']);
  for (const alg of ID_TOKEN_SIGNING_ALGORITHMS) assert.ok(isSigningAlgorithm(alg), `${alg}: every id_token algorithm has a key`);
  for (const alg of ['none', 'HS256', 'es256', 'PS256', 'EdDSA', '']) assert.equal(isSigningAlgorithm(alg), false, alg);
});

test('ensureKeys creates one active key per algorithm, once, and each signs what its public JWK verifies', async () => {
  const { keys, repository } = keyStore();
  await keys.ensureKeys();
  await keys.ensureKeys();
  assert.deepEqual(repository.rows.map((row) => row.alg).sort(), [...SIGNING_ALGORITHMS].sort());
  assert.ok(
    repository.rows.every((row) => row.privateJwkSealed !== null && !row.privateJwkSealed.includes('"d"')),
    'stored sealed',
  );
  const { keys: jwks } = await keys.jwks();
  for (const alg of SIGNING_ALGORITHMS) {
    const signing = await keys.signingKey(alg);
    const jwt = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg, kid: signing.kid }).sign(signing.privateKey);
    const verification = await keys.verificationKey(signing.kid);
    assert.equal((await compactVerify(jwt, verification!.publicKey)).protectedHeader.kid, signing.kid);
    const published = jwks.find((jwk) => jwk.kid === signing.kid);
    assert.equal(published?.alg, alg);
    assert.equal(published?.use, 'sig');
    assert.equal('d' in published!, false, 'the JWKS carries no private part');
  }
});

test('a rotation retires the active key, published for the longest signed lifetime, and lists it as retired', async () => {
  const { keys } = keyStore();
  await keys.ensureKeys();
  const old = await keys.signingKey('ES256');
  const before = nowSeconds();
  const [rotated] = await keys.rotate(['ES256']);
  assert.equal(rotated?.retired, old.kid);
  assert.equal((await keys.signingKey('ES256')).kid, rotated?.kid);
  assert.ok(await keys.verificationKey(old.kid), 'the retired key still verifies what it signed');
  const listed = (await keys.list()).find((key) => key.kid === old.kid)!;
  assert.equal(listed.status, 'retired');
  assert.ok(listed.publish_until! >= before + MAX_SIGNED_LIFETIME && listed.publish_until! <= nowSeconds() + MAX_SIGNED_LIFETIME);
});

test('a retired key past its publication is listed expired, leaves the JWKS and loses its private part', async () => {
  const { keys, repository, changes } = keyStore();
  await keys.ensureKeys();
  const old = await keys.signingKey('RS256');
  await keys.rotate(['RS256']);
  Object.assign(repository.rows.find((row) => row.kid === old.kid)!, { publishUntil: nowSeconds() - 1 });
  changes.current++;
  assert.equal(await keys.verificationKey(old.kid), undefined);
  assert.equal(
    (await keys.jwks()).keys.some((jwk) => jwk.kid === old.kid),
    false,
  );
  assert.equal((await keys.list()).find((key) => key.kid === old.kid)?.status, 'expired');
  assert.equal(repository.rows.find((row) => row.kid === old.kid)?.privateJwkSealed, null);
});

test('the set is read again only when the change counter moves', async () => {
  const { keys, repository, changes, masterKey } = keyStore();
  await keys.ensureKeys();
  const before = (await keys.signingKey('ES256')).kid;
  // Another process on the same store rotates: until its change is seen, this one keeps signing with the keys it has.
  const other = new KeyStore(repository, changes, masterKey, async () => MAX_SIGNED_LIFETIME, STALE_MS);
  const [rotated] = await other.rotate(['ES256']);
  assert.equal((await keys.signingKey('ES256')).kid, before);
  changes.current++;
  assert.equal((await keys.signingKey('ES256')).kid, rotated?.kid);
});

test('a change announced while the set is being read again is not answered from that read', async () => {
  const { keys, repository, changes, masterKey } = keyStore();
  await keys.ensureKeys();
  // Some other change moves the counter; the next request reads the set again, and that read answers late (a busy
  // database) with the rows as they were when it ran.
  changes.current++;
  let answer!: () => void;
  const late = new Promise<void>((resolve) => (answer = resolve));
  const listPublishable = repository.listPublishable.bind(repository);
  repository.listPublishable = async (now) => {
    const rows = await listPublishable(now);
    await late;
    return rows;
  };
  const during = keys.jwks();
  // Meanwhile another process rotates, and its change is announced here before that read has answered.
  const other = new KeyStore(repository, changes, masterKey, async () => MAX_SIGNED_LIFETIME, STALE_MS);
  const [rotated] = await other.rotate(['ES256']);
  changes.current++;
  const after = keys.verificationKey(rotated!.kid);
  answer();
  await during;
  // The request made after the announcement has the rotated key (a token it signed verifies), not the older read.
  assert.ok(await after, 'the key rotated to elsewhere verifies once its change was announced');
  assert.equal((await keys.signingKey('ES256')).kid, rotated?.kid);
});

test('with no change announced at all, the set is read again once it is older than its maximum age', async () => {
  const repository = new MemorySigningKeys();
  const masterKey = randomBytes(32);
  const changes = { generation: () => 0 };
  const maxAgeMs = 500;
  const keys = new KeyStore(repository, changes, masterKey, async () => MAX_SIGNED_LIFETIME, STALE_MS, maxAgeMs);
  await keys.ensureKeys();
  // Another instance rotates and its notification never arrives (its listening connection died unnoticed).
  const other = new KeyStore(repository, changes, masterKey, async () => MAX_SIGNED_LIFETIME, STALE_MS);
  const [rotated] = await other.rotate(['ES256']);
  assert.equal(await keys.verificationKey(rotated!.kid), undefined, 'within the maximum age the set is not read again');
  await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 10));
  assert.ok(await keys.verificationKey(rotated!.kid), 'after it, a token of the new key verifies');
  assert.equal((await keys.signingKey('ES256')).kid, rotated?.kid);
});

test('an active key sealed under another master key refuses the start', async () => {
  const { keys, repository } = keyStore();
  await keys.ensureKeys();
  const elsewhere = keyStore(repository).keys;
  await assert.rejects(elsewhere.ensureKeys(), mismatch(/the active (ES256|RS256) signing key/));
});

test('while the store is unavailable the keys last read keep signing; any other failure is not hidden', async () => {
  const repository = new MemorySigningKeys();
  const { keys, changes } = keyStore(repository);
  await keys.ensureKeys();
  const kid = (await keys.signingKey('ES256')).kid;
  const listPublishable = repository.listPublishable.bind(repository);
  repository.listPublishable = async () => Promise.reject(new StoreUnavailableError('connection lost'));
  changes.current++;
  assert.equal((await keys.signingKey('ES256')).kid, kid);
  assert.equal((await keys.jwks()).keys.length, SIGNING_ALGORITHMS.length);

  const broken = new Error('a bug, not an outage');
  repository.listPublishable = async () => Promise.reject(broken);
  changes.current++;
  await assert.rejects(keys.signingKey('ES256'), broken);
  repository.listPublishable = listPublishable;
  assert.equal((await keys.signingKey('ES256')).kid, kid, 'the next request reads the store again');
});

test('a store started with ES256 only makes its first RS256 key when it first signs with RS256, once', async () => {
  const { keys, repository } = keyStore();
  await keys.ensureKeys(['ES256']);
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.alg),
    ['ES256'],
  );
  const [first, second] = await Promise.all([keys.signingKey('RS256'), keys.signingKey('RS256')]);
  assert.equal(first.kid, second.kid, 'two first signatures at once share one new key');
  assert.deepEqual(repository.rows.map((row) => row.alg).sort(), ['ES256', 'RS256']);
  assert.deepEqual((await keys.jwks()).keys.map((key) => key.kid).sort(), repository.rows.map((row) => row.kid).sort());
  const signed = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: first.kid }).sign(first.privateKey);
  const verification = await keys.verificationKey(first.kid);
  assert.ok(verification);
  await compactVerify(signed, verification.publicKey);
});
