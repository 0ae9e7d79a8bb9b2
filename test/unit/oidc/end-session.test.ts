import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EndSession, EndSessionError } from '../../../src/oidc/end-session.js';
import { IdTokens } from '../../../src/oidc/id-tokens.js';
import { clientLookup, fake, keyStoreOf, resolvedClient, testKey, userRecord } from '../support.js';

type Dependencies = ConstructorParameters<typeof EndSession>;

const ISSUER = 'https://issuer.example';
const AFTER_LOGOUT = 'https://app.example/signed-out?from=issuer';

let idTokens: IdTokens;
let endSession: EndSession;
let hint: string;
before(async () => {
  idTokens = new IdTokens(ISSUER, fake<ConstructorParameters<typeof IdTokens>[1]>(keyStoreOf(await testKey('RS256'))), 600);
  const directory = fake<Dependencies[1]>({
    find: clientLookup(
      resolvedClient({ name: 'The App', postLogoutRedirectUris: [AFTER_LOGOUT] }),
      resolvedClient({ clientId: 'other', name: 'Other' }),
      resolvedClient({ clientId: 'old', revokedAt: 1 }),
    ),
  });
  endSession = new EndSession(idTokens, directory);
  hint = await idTokens.issue({
    user: userRecord(),
    clientId: 'app',
    alg: 'RS256',
    scopes: ['openid'],
    authTime: 1_700_000_000,
    sessionId: 'session-1',
    requestedAt: 1_700_000_000,
    accessToken: 'at',
  });
});

const refused = (message: RegExp) => (error: unknown) => error instanceof EndSessionError && message.test(error.message);

test('with an ID token hint: its session and client, and the registered redirect with state appended', async () => {
  const request = await endSession.validate({ id_token_hint: hint, post_logout_redirect_uri: AFTER_LOGOUT, state: 's 1' });
  assert.deepEqual(request, {
    redirect: 'https://app.example/signed-out?from=issuer&state=s+1',
    hintSessionId: 'session-1',
    clientName: 'The App',
    params: { post_logout_redirect_uri: AFTER_LOGOUT, state: 's 1', client_id: 'app' },
  });
});

test('with nothing: a plain sign-out to confirm, going nowhere afterwards', async () => {
  assert.deepEqual(await endSession.validate({}), { params: {} });
  assert.deepEqual(await endSession.validate({ client_id: 'app' }), { clientName: 'The App', params: { client_id: 'app' } });
});

test("a hint not issued here, a client_id other than the hint's, and an unknown or revoked client are refused", async () => {
  await assert.rejects(endSession.validate({ id_token_hint: 'not.a.token' }), refused(/not an ID token issued here/));
  await assert.rejects(
    endSession.validate({ id_token_hint: hint, client_id: 'other' }),
    refused(/client_id does not match the id_token_hint/),
  );
  await assert.rejects(endSession.validate({ client_id: 'ghost' }), refused(/the client is unknown/));
  await assert.rejects(endSession.validate({ client_id: 'old' }), refused(/the client is unknown/));
});

test('post_logout_redirect_uri needs a client, and must be one it registered, exactly', async () => {
  await assert.rejects(endSession.validate({ post_logout_redirect_uri: AFTER_LOGOUT }), refused(/needs an id_token_hint or a client_id/));
  await assert.rejects(endSession.validate({ client_id: 'other', post_logout_redirect_uri: AFTER_LOGOUT }), refused(/not registered/));
  await assert.rejects(
    endSession.validate({ client_id: 'app', post_logout_redirect_uri: `${AFTER_LOGOUT}&x=1` }),
    refused(/not registered/),
  );
  assert.equal((await endSession.validate({ client_id: 'app', post_logout_redirect_uri: AFTER_LOGOUT })).redirect, AFTER_LOGOUT);
});
