import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { seal, UnsealError, unseal, unsealIfOpens } from '../../../src/keys/sealed-box.js';

test('sealed values open only with the same key and the same context', () => {
  const key = randomBytes(32);
  const sealed = seal(key, '{"d":"secret"}', 'kid-1');
  assert.match(sealed, /^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
  assert.ok(!sealed.includes('secret'));
  assert.equal(unseal(key, sealed, 'kid-1'), '{"d":"secret"}');
  assert.notEqual(seal(key, '{"d":"secret"}', 'kid-1'), sealed, 'a fresh nonce every time');
  assert.throws(() => unseal(randomBytes(32), sealed, 'kid-1'), UnsealError);
  assert.throws(() => unseal(key, sealed, 'kid-2'), UnsealError);
  const [v, iv, ciphertext, tag] = sealed.split('.');
  const flipped = Buffer.from(ciphertext!, 'base64url');
  flipped[0]! ^= 1;
  assert.throws(() => unseal(key, [v, iv, flipped.toString('base64url'), tag].join('.'), 'kid-1'), UnsealError);
  assert.throws(() => unseal(key, 'v2.a.b.c', 'kid-1'), UnsealError);
});

test('unsealIfOpens answers undefined where unseal throws, and the plaintext where it opens', () => {
  const key = randomBytes(32);
  const sealed = seal(key, 'page key', 'page-key:csrf');
  assert.equal(unsealIfOpens(key, sealed, 'page-key:csrf'), 'page key');
  assert.equal(unsealIfOpens(key, sealed, 'page-key:interactions'), undefined);
  assert.equal(unsealIfOpens(randomBytes(32), sealed, 'page-key:csrf'), undefined);
  assert.equal(unsealIfOpens(key, 'not sealed', 'page-key:csrf'), undefined);
});
