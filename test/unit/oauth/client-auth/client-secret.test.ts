import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { secretProves } from '../../../../src/oauth/client-auth/client-secret.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import { PREVIOUS_SECRET, publicClient, resolvedClient, SECRET } from '../../support.js';

const NOW = Math.floor(Date.now() / 1000);
const rotated = (previousSecretExpiresAt: number) =>
  resolvedClient({ previousSecretHash: sha256Hex(PREVIOUS_SECRET), previousSecretExpiresAt });

// Every comparison goes through node:crypto's timingSafeEqual; counting its calls shows that each answer does the same
// work. syncBuiltinESMExports makes the ES module's named export follow the mocked property.
let compare: ReturnType<typeof mock.method<typeof crypto, 'timingSafeEqual'>>;
beforeEach(() => {
  compare = mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
});
afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

test('the current secret proves the client; another does not', () => {
  assert.equal(secretProves(SECRET, resolvedClient()), true);
  assert.equal(secretProves(PREVIOUS_SECRET, resolvedClient()), false);
  assert.equal(compare.mock.callCount(), 2);
});

test('the previous secret proves it until its grace ends, and then no longer', () => {
  assert.equal(secretProves(PREVIOUS_SECRET, rotated(NOW + 60)), true);
  assert.equal(secretProves(SECRET, rotated(NOW + 60)), true);
  assert.equal(secretProves(PREVIOUS_SECRET, rotated(NOW - 1)), false);
  assert.equal(
    secretProves(PREVIOUS_SECRET, resolvedClient({ previousSecretHash: sha256Hex(PREVIOUS_SECRET), previousSecretExpiresAt: null })),
    false,
  );
});

test('during a rotation both secrets are compared, whichever matches, in constant time', () => {
  secretProves(SECRET, rotated(NOW + 60));
  assert.equal(compare.mock.callCount(), 2);
  secretProves(PREVIOUS_SECRET, rotated(NOW + 60));
  assert.equal(compare.mock.callCount(), 4);
});

test('an unknown client costs one comparison too, against a dummy hash, and is refused', () => {
  assert.equal(secretProves(SECRET, undefined), false);
  assert.equal(compare.mock.callCount(), 1);
});

test('a public client, or a client without a secret, is never proven by one', () => {
  assert.equal(secretProves(SECRET, publicClient({ secretHash: sha256Hex(SECRET) })), false);
  assert.equal(secretProves(SECRET, resolvedClient({ secretHash: null })), false);
});
