import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InsufficientScopeError, InvalidTokenError } from '@gatehouse/resource';
import { UserInfo } from '../../../src/oidc/userinfo.js';
import { fake, userRecord } from '../support.js';

type Dependencies = ConstructorParameters<typeof UserInfo>;
type Claims = NonNullable<Awaited<ReturnType<Dependencies[0]['inspect']>>>;

const claims = (changes: Partial<Claims> = {}): Claims => ({
  iss: 'https://issuer.example',
  sub: 'user-1',
  aud: 'https://issuer.example/api',
  client_id: 'app',
  scope: 'openid profile',
  auth_time: 1_700_000_000,
  iat: 1_700_000_000,
  exp: 1_700_000_300,
  jti: 'jti-1',
  ...changes,
});

const alice = userRecord();

/** userinfo over a token inspection that knows the single token 'valid' with these claims, and the given users. */
function userInfo(tokenClaims: Claims, ...users: ReturnType<typeof userRecord>[]) {
  const inspected: string[] = [];
  const info = new UserInfo(
    fake<Dependencies[0]>({
      inspect: async (token) => {
        inspected.push(token);
        return token === 'valid' ? tokenClaims : undefined;
      },
    }),
    async (id) => users.find((user) => user.id === id),
  );
  return { info, inspected };
}

test("the user's claims as far as the token's scopes allow (OpenID Connect Core §5.3)", async () => {
  const { info, inspected } = userInfo(claims(), alice);
  assert.deepEqual(await info.claims('valid'), {
    sub: 'user-1',
    preferred_username: 'alice',
    name: 'Alice Liddell',
    updated_at: 1_700_000_500,
  });
  assert.deepEqual(inspected, ['valid']);
  assert.deepEqual(await userInfo(claims({ scope: 'openid' }), alice).info.claims('valid'), { sub: 'user-1' });
});

test('an invalid token, a client acting for itself, or a gone or disabled user is invalid_token', async () => {
  const invalid = (message: RegExp) => (error: unknown) => error instanceof InvalidTokenError && message.test(error.message);
  await assert.rejects(userInfo(claims(), alice).info.claims('forged'), invalid(/invalid, expired or revoked/));
  const { auth_time: _, ...ofClient } = claims({ sub: 'app' });
  await assert.rejects(userInfo(ofClient, alice).info.claims('valid'), invalid(/does not speak for a user/));
  await assert.rejects(userInfo(claims()).info.claims('valid'), invalid(/no longer active/));
  await assert.rejects(userInfo(claims(), { ...alice, disabledAt: 1_700_000_200 }).info.claims('valid'), invalid(/no longer active/));
});

test('a token without openid is insufficient_scope, naming openid', async () => {
  await assert.rejects(userInfo(claims({ scope: 'profile read' }), alice).info.claims('valid'), (error: unknown) => {
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ['openid']);
    return true;
  });
  await assert.rejects(userInfo(claims({ scope: undefined }), alice).info.claims('valid'), InsufficientScopeError);
});
