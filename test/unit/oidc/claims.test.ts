import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAIMS_SUPPORTED, userClaims } from '../../../src/oidc/claims.js';
import { userRecord } from '../support.js';

test('openid alone releases only sub (OpenID Connect Core §5.4)', () => {
  assert.deepEqual(userClaims(userRecord(), ['openid']), { sub: 'user-1' });
  assert.deepEqual(userClaims(userRecord(), []), { sub: 'user-1' });
});

test('profile releases the username, the name when there is one, and updated_at', () => {
  assert.deepEqual(userClaims(userRecord(), ['openid', 'profile']), {
    sub: 'user-1',
    preferred_username: 'alice',
    name: 'Alice Liddell',
    updated_at: 1_700_000_500,
  });
  assert.deepEqual(userClaims(userRecord({ name: null }), ['profile']), {
    sub: 'user-1',
    preferred_username: 'alice',
    updated_at: 1_700_000_500,
  });
});

test('email releases the address and whether it is verified, only when there is one', () => {
  assert.deepEqual(userClaims(userRecord({ emailVerified: false }), ['email']), {
    sub: 'user-1',
    email: 'alice@example.com',
    email_verified: false,
  });
  assert.deepEqual(userClaims(userRecord({ email: null }), ['email']), { sub: 'user-1' });
});

test('nothing about the password, the roles or the account state is ever a claim', () => {
  const claims = userClaims(userRecord({ roles: ['admin'] }), ['openid', 'profile', 'email', 'offline_access', 'gatehouse:admin']);
  assert.deepEqual(Object.keys(claims).sort(), ['email', 'email_verified', 'name', 'preferred_username', 'sub', 'updated_at']);
  for (const claim of Object.keys(claims)) assert.ok(CLAIMS_SUPPORTED.includes(claim), `${claim} is listed in discovery`);
});
