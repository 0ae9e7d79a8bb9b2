import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { assertStrongSecret, secretWeakness, WeakSecretError } from '../../../src/keys/secret-strength.js';

const GUESSABLE = /made of guessable parts/;

test('fewer than 32 characters is too short, whatever they are', async () => {
  assert.equal(await secretWeakness(randomBytes(15).toString('hex')), 'it has 30 characters, fewer than 32');
  assert.equal(await secretWeakness(''), 'it has 0 characters, fewer than 32');
});

test('random secrets of 32 characters and more pass, as `openssl rand -base64 32` makes them', async () => {
  assert.equal(await secretWeakness(randomBytes(32).toString('base64')), undefined);
  assert.equal(await secretWeakness(randomBytes(16).toString('hex')), undefined);
  assert.equal(await secretWeakness(randomBytes(195).toString('base64url')), undefined, 'over 256 characters, judged by its first 256');
});

test('long values of words, repeats, sequences or the product name are refused', async () => {
  for (const secret of [
    'correct horse battery staple correct horse',
    'a'.repeat(40),
    'abcdefghijklmnopqrstuvwxyz0123456789',
    'gatehousegatehousegatehousegatehouse',
    'qwertyuiopasdfghjklzxcvbnmqwertyuiop',
    `${randomBytes(8).toString('hex')}${'1'.repeat(40)}`,
  ]) {
    assert.match((await secretWeakness(secret)) ?? 'accepted', GUESSABLE, secret);
  }
});

test('a weak GATEHOUSE_SECRET is a WeakSecretError saying what is wrong, how to make a good one, and how to change it', async () => {
  await assert.rejects(assertStrongSecret('short'), (error: unknown) => {
    assert.ok(error instanceof WeakSecretError);
    assert.match(error.message, /^GATEHOUSE_SECRET is too weak: it has 5 characters, fewer than 32\. /);
    assert.match(error.message, /openssl rand -base64 32/);
    assert.match(error.message, /GATEHOUSE_PREVIOUS_SECRET/);
    return true;
  });
  await assert.rejects(assertStrongSecret('a'.repeat(64)), /too weak: it is made of guessable parts/);
  await assertStrongSecret(randomBytes(32).toString('base64'));
});
