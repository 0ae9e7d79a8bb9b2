import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientSecretPost } from '../../../../src/oauth/client-auth/client-secret-post.js';
import type { ClientAuthInput } from '../../../../src/oauth/client-auth/method.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import { oauthError, resolvedClient } from '../../support.js';

const input = (params: ClientAuthInput['params'], authorization?: string): ClientAuthInput => ({ authorization, params, ip: '192.0.2.1' });

test('used when the body carries client_secret; the credentials are client_id and client_secret (RFC 6749 §2.3.1)', () => {
  assert.equal(clientSecretPost.isUsedBy(input({ client_id: 'app', client_secret: 's' })), true);
  assert.equal(clientSecretPost.isUsedBy(input({ client_id: 'app' })), false);
  assert.deepEqual(clientSecretPost.credentials(input({ client_id: 'app', client_secret: 's' })), { clientId: 'app', secret: 's' });
});

test('a secret without a client_id, or a repeated one, is refused', () => {
  assert.throws(
    () => clientSecretPost.credentials(input({ client_secret: 's' })),
    oauthError('invalid_client', /no client authentication/),
  );
  assert.throws(
    () => clientSecretPost.isUsedBy(input({ client_id: 'app', client_secret: ['s', 't'] })),
    oauthError('invalid_request', /repeated/),
  );
});

test('proves a confidential client holding the secret; refusals carry no Basic challenge', () => {
  const app = resolvedClient({ secretHash: sha256Hex('s') });
  assert.equal(clientSecretPost.proves({ clientId: 'app', secret: 's' }, app), true);
  assert.equal(clientSecretPost.proves({ clientId: 'app', secret: 't' }, app), false);
  assert.equal(clientSecretPost.proves({ clientId: 'app', secret: 's' }, undefined), false);
  assert.equal(clientSecretPost.challenges, false);
});
