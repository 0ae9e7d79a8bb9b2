import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientSecretBasic } from '../../../../src/oauth/client-auth/client-secret-basic.js';
import type { ClientAuthInput } from '../../../../src/oauth/client-auth/method.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import { oauthError, resolvedClient } from '../../support.js';

const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const input = (authorization: string | undefined, params: ClientAuthInput['params'] = {}): ClientAuthInput => ({
  authorization,
  params,
  ip: '192.0.2.1',
});
const credentialsOf = (authorization: string, params?: ClientAuthInput['params']) =>
  clientSecretBasic.credentials(input(authorization, params));

/** invalid_client with the Basic challenge: the client tried the Authorization header (RFC 6749 §5.2). */
const malformed = (description: RegExp) => (error: unknown) => {
  oauthError('invalid_client', description)(error);
  assert.match((error as { headers: Record<string, string> }).headers['www-authenticate'] ?? '', /^Basic realm="gatehouse"/);
  return true;
};

test('used whenever an Authorization header is present, whatever its scheme', () => {
  assert.equal(clientSecretBasic.isUsedBy(input('Bearer x')), true);
  assert.equal(clientSecretBasic.isUsedBy(input(undefined, { client_id: 'app', client_secret: 's' })), false);
});

test('id and secret are form-decoded after base64 (RFC 6749 §2.3.1), so either may hold ":" or "+"', () => {
  assert.deepEqual(credentialsOf(header('app:s3cret')), { clientId: 'app', secret: 's3cret' });
  assert.deepEqual(credentialsOf(header('my%3Aapp:a%2Bb+c%3Ad')), { clientId: 'my:app', secret: 'a+b c:d' });
  assert.deepEqual(credentialsOf(header('app:with:colons')), { clientId: 'app', secret: 'with:colons' });
  assert.deepEqual(credentialsOf(header('%C3%A9t%C3%A9:x')), { clientId: 'été', secret: 'x' });
  assert.deepEqual(
    credentialsOf(`basic   ${Buffer.from('app:s').toString('base64')} `),
    { clientId: 'app', secret: 's' },
    'scheme is case-insensitive',
  );
});

test('malformed credentials are invalid_client with the challenge', () => {
  assert.throws(() => credentialsOf('Bearer abc'), malformed(/not valid HTTP Basic/));
  assert.throws(() => credentialsOf('Basic'), malformed(/not valid HTTP Basic/));
  assert.throws(() => credentialsOf('Basic a:b'), malformed(/not valid HTTP Basic/));
  assert.throws(() => credentialsOf('Basic YXBw OnM='), malformed(/not valid HTTP Basic/));
  assert.throws(() => credentialsOf(header('app')), malformed(/no colon separator/));
  assert.throws(() => credentialsOf(header(':secret')), malformed(/empty/));
  assert.throws(() => credentialsOf(header('app:')), malformed(/empty/));
  assert.throws(() => credentialsOf(header('app:%ZZ')), malformed(/not form-encoded/));
});

test("a client_id in the body must be the same as the header's", () => {
  assert.deepEqual(credentialsOf(header('app:s'), { client_id: 'app' }), { clientId: 'app', secret: 's' });
  assert.throws(
    () => credentialsOf(header('app:s'), { client_id: 'other' }),
    oauthError('invalid_request', /differs from the one in the Authorization header/),
  );
});

test('proves the client that holds the secret, and only a confidential one', () => {
  const app = resolvedClient({ secretHash: sha256Hex('s3cret') });
  assert.equal(clientSecretBasic.proves({ clientId: 'app', secret: 's3cret' }, app), true);
  assert.equal(clientSecretBasic.proves({ clientId: 'app', secret: 's3creT' }, app), false);
  assert.equal(clientSecretBasic.proves({ clientId: 'app', secret: 's3cret' }, undefined), false);
  assert.equal(
    clientSecretBasic.proves(
      { clientId: 'app', secret: 's3cret' },
      resolvedClient({ secretHash: sha256Hex('s3cret'), tokenEndpointAuthMethod: 'none' }),
    ),
    false,
  );
});
