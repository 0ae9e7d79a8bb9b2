import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dummyPasswordHash, hashPassword, passwordNeedsRehash, verifyPassword } from '../../../src/accounts/passwords.js';

test('argon2id at the OWASP parameters (m = 19 MiB, t = 2, p = 1), salted: two hashes of one password differ', async () => {
  const [first, second] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
  for (const hash of [first, second]) {
    assert.match(hash, /^\$argon2id\$v=19\$/);
    assert.match(hash, /m=19456/);
    assert.match(hash, /t=2/);
    assert.match(hash, /p=1/);
    assert.equal(passwordNeedsRehash(hash), false);
  }
  assert.notEqual(first, second);
  assert.equal(await verifyPassword(first, 'correct horse'), true);
  assert.equal(await verifyPassword(first, 'correct horse!'), false);
});

test('a hash that cannot be read is a wrong password, not an error', async () => {
  assert.equal(await verifyPassword('', 'x'), false);
  assert.equal(await verifyPassword('$argon2id$garbage', 'x'), false);
  assert.equal(await verifyPassword('plain text', 'plain text'), false);
});

test('the dummy hash, verified against for unknown usernames, is made once and matches no password tried', async () => {
  const dummy = await dummyPasswordHash();
  assert.equal(await dummyPasswordHash(), dummy);
  assert.equal(passwordNeedsRehash(dummy), false, 'it costs what a real hash costs');
  assert.equal(await verifyPassword(dummy, ''), false);
  assert.equal(await verifyPassword(dummy, 'password'), false);
});
