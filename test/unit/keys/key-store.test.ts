import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIGNING_ALGORITHMS, isSigningAlgorithm } from '../../../src/keys/key-store.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from '../../../src/oidc/id-tokens.js';

test('ES256 (access tokens) and RS256 (the id_token algorithm OpenID Connect requires) are the signing algorithms', () => {
  assert.deepEqual([...SIGNING_ALGORITHMS], ['ES256', 'RS256']);
  for (const alg of ID_TOKEN_SIGNING_ALGORITHMS) assert.ok(isSigningAlgorithm(alg), `${alg}: every id_token algorithm has a key`);
  for (const alg of ['none', 'HS256', 'es256', 'PS256', 'EdDSA', '']) assert.equal(isSigningAlgorithm(alg), false, alg);
});
