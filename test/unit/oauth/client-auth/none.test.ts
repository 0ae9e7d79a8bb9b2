import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientAuthInput } from '../../../../src/oauth/client-auth/method.js';
import { none } from '../../../../src/oauth/client-auth/none.js';
import { publicClient, resolvedClient } from '../../support.js';

const input = (params: ClientAuthInput['params'], authorization?: string): ClientAuthInput => ({ authorization, params, ip: '192.0.2.1' });

test('used by a request that names its client_id and carries no credential at all', () => {
  assert.equal(none.isUsedBy(input({ client_id: 'spa' })), true);
  assert.equal(none.isUsedBy(input({ client_id: 'spa', client_secret: 's' })), false);
  assert.equal(none.isUsedBy(input({ client_id: 'spa' }, 'Basic x')), false);
  assert.equal(none.isUsedBy(input({})), false);
  assert.deepEqual(none.credentials(input({ client_id: 'spa' })), { clientId: 'spa' });
});

test('proves only a client registered as public (RFC 6749 §2.1)', () => {
  assert.equal(none.proves({ clientId: 'spa' }, publicClient()), true);
  assert.equal(none.proves({ clientId: 'app' }, resolvedClient()), false);
  assert.equal(none.proves({ clientId: 'ghost' }, undefined), false);
  assert.equal(none.confidential, false);
});
