import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { secretMatchesHash, sha256Hex } from '../../../src/tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../../src/tokens/opaque.js';

test('secrets are compared by SHA-256 hash', () => {
  const secret = generateOpaque(OPAQUE_PREFIXES.clientSecret);
  const hash = sha256Hex(secret);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.ok(secretMatchesHash(secret, hash));
  assert.equal(secretMatchesHash(`${secret}x`, hash), false);
  assert.equal(secretMatchesHash(secret, 'abcd'), false);
});

test('sha256Hex is the hex SHA-256 of the UTF-8 value (FIPS 180-4 test vector "abc")', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex('été'), createHash('sha256').update(Buffer.from('été', 'utf8')).digest('hex'));
});

test('a stored hash that is not hex, or of another length, matches nothing and does not throw', () => {
  const hash = sha256Hex('secret');
  assert.equal(secretMatchesHash('secret', hash.toUpperCase()), true, 'hex digits are read case-insensitively');
  assert.equal(secretMatchesHash('secret', hash.slice(0, 62)), false);
  assert.equal(secretMatchesHash('secret', `${hash}00`), false);
  assert.equal(secretMatchesHash('secret', 'zz'.repeat(32)), false);
  assert.equal(secretMatchesHash('secret', ''), false);
});
