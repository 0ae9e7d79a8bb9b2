import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authenticateClient, CLIENT_AUTH_METHODS, type ClientAuthInput } from '../../../src/oauth/client-auth.js';
import { clientLookup, fake, oauthError, publicClient, type ResolvedClient, resolvedClient, SECRET } from '../support.js';

type Directory = Parameters<typeof authenticateClient>[0];

const NOW = Math.floor(Date.now() / 1000);
const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
const CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

function authenticate(input: Partial<ClientAuthInput>, ...clients: ResolvedClient[]) {
  const find = clientLookup(...(clients.length > 0 ? clients : [resolvedClient(), publicClient()]));
  const result = authenticateClient(fake<Directory>({ find }), { authorization: undefined, params: {}, ip: '192.0.2.1', ...input });
  return Object.assign(result, { lookups: find.calls });
}

/** invalid_client, 401, with the Basic challenge exactly when the client tried the Authorization header (RFC 6749 §5.2). */
const invalidClient = (description: RegExp, challenged: boolean) => (error: unknown) => {
  oauthError('invalid_client', description)(error);
  const { status, headers } = error as { status: number; headers: Record<string, string> };
  assert.equal(status, 401);
  assert.deepEqual(headers, challenged ? { 'www-authenticate': CHALLENGE } : {});
  return true;
};

test('the registered methods, in discovery order, and which prove a credential', () => {
  assert.deepEqual(
    CLIENT_AUTH_METHODS.map(({ name, confidential, challenges }) => ({ name, confidential, challenges })),
    [
      { name: 'client_secret_basic', confidential: true, challenges: true },
      { name: 'client_secret_post', confidential: true, challenges: false },
      { name: 'none', confidential: false, challenges: false },
    ],
  );
});

describe('authenticateClient (RFC 6749 §2.3)', () => {
  test('each method authenticates its kind of client and says which method it was', async () => {
    const byBasic = await authenticate({ authorization: basic('app', SECRET) });
    assert.equal(byBasic.method, 'client_secret_basic');
    assert.equal(byBasic.confidential, true);
    assert.equal(byBasic.client.clientId, 'app');
    assert.deepEqual([...byBasic.allowedScopes], ['read', 'write']);
    const byPost = await authenticate({ params: { client_id: 'app', client_secret: SECRET } });
    assert.equal(byPost.method, 'client_secret_post');
    assert.equal(byPost.confidential, true);
    const byNone = await authenticate({ params: { client_id: 'spa' } });
    assert.equal(byNone.method, 'none');
    assert.equal(byNone.confidential, false);
    assert.equal(byNone.client.clientId, 'spa');
  });

  test('a request with no client authentication is invalid_client, without a challenge', async () => {
    await assert.rejects(authenticate({}), invalidClient(/^no client authentication was included$/, false));
    await assert.rejects(authenticate({ params: { client_secret: SECRET } }), invalidClient(/no client authentication/, false));
  });

  test('more than one method in one request is invalid_request, naming both', async () => {
    await assert.rejects(
      authenticate({ authorization: basic('app', SECRET), params: { client_id: 'app', client_secret: SECRET } }),
      oauthError('invalid_request', /^the client used more than one authentication method \(HTTP Basic and client_secret\)$/),
    );
  });

  test('an unknown client, a revoked one and a wrong secret get one answer, and each is looked up', async () => {
    const revoked = resolvedClient({ clientId: 'old', revokedAt: NOW - 60 });
    const expected = invalidClient(/^client authentication failed$/, true);
    const unknown = authenticate({ authorization: basic('ghost', SECRET) }, revoked);
    await assert.rejects(unknown, expected);
    assert.deepEqual(unknown.lookups, ['ghost']);
    await assert.rejects(authenticate({ authorization: basic('old', SECRET) }, revoked), expected);
    await assert.rejects(authenticate({ authorization: basic('app', `${SECRET}x`) }), expected);
    const byPost = invalidClient(/^client authentication failed$/, false);
    await assert.rejects(authenticate({ params: { client_id: 'ghost', client_secret: SECRET } }), byPost);
    await assert.rejects(authenticate({ params: { client_id: 'old' } }, revoked), byPost);
  });

  test('a confidential client cannot leave its secret out, and a public one cannot use one', async () => {
    await assert.rejects(authenticate({ params: { client_id: 'app' } }), invalidClient(/client authentication failed/, false));
    const spa = publicClient({ secretHash: resolvedClient().client.secretHash });
    await assert.rejects(authenticate({ params: { client_id: 'spa', client_secret: SECRET } }, spa), invalidClient(/failed/, false));
    await assert.rejects(authenticate({ authorization: basic('spa', SECRET) }, spa), invalidClient(/failed/, true));
  });

  test('a failing directory is not turned into invalid_client', async () => {
    const find = () => Promise.reject(new Error('store down'));
    await assert.rejects(
      authenticateClient(fake<Directory>({ find }), { authorization: basic('app', SECRET), params: {}, ip: '192.0.2.1' }),
      /store down/,
    );
  });
});
