import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grantScopes, isPrivilegedScope, isScopeToken, parseScopeParameter, withoutUnheldPrivileges } from '../../../src/oauth/scopes.js';
import { oauthError as invalid } from '../support.js';

test('scope syntax (RFC 6749 §3.3) and the granted set', () => {
  assert.deepEqual(parseScopeParameter('a b a'), ['a', 'b']);
  assert.throws(() => parseScopeParameter(' '), invalid('invalid_scope', /malformed/));
  assert.throws(() => parseScopeParameter('a  b'), invalid('invalid_scope', /malformed/));
  assert.throws(() => parseScopeParameter('a "b"'), invalid('invalid_scope', /malformed/));
  assert.throws(() => parseScopeParameter('a\\b'), invalid('invalid_scope', /malformed/));
  const allowed = new Set(['read', 'write']);
  assert.deepEqual(grantScopes([], allowed), ['read', 'write']);
  assert.deepEqual(grantScopes(['write'], allowed), ['write']);
  assert.throws(() => grantScopes(['read', 'admin'], allowed), invalid('invalid_scope', /admin$/));
});

test('a scope token is 1*( %x21 / %x23-5B / %x5D-7E ): no space, quote, backslash, control or non-ASCII character', () => {
  for (const token of ['read', 'gatehouse:admin', 'https://api.example/orders.read', '!#[]~'])
    assert.equal(isScopeToken(token), true, token);
  for (const token of ['', 'a b', 'a"b', 'a\\b', 'a\tb', 'été', '\x7f']) assert.equal(isScopeToken(token), false, JSON.stringify(token));
  assert.deepEqual(parseScopeParameter(undefined), []);
});

test('a granted set keeps the order requested; nothing requested gives everything allowed', () => {
  assert.deepEqual(grantScopes(['write', 'read'], new Set(['read', 'write'])), ['write', 'read']);
  assert.deepEqual(grantScopes([], new Set()), []);
});

test("Gatehouse's own scopes reach a token only when the user's roles hold them", () => {
  assert.equal(isPrivilegedScope('gatehouse:admin'), true);
  assert.equal(isPrivilegedScope('admin'), false);
  assert.equal(isPrivilegedScope('openid'), false);
  const asked = ['openid', 'gatehouse:admin', 'read', 'gatehouse:audit'];
  assert.deepEqual(withoutUnheldPrivileges(asked, new Set()), ['openid', 'read']);
  assert.deepEqual(withoutUnheldPrivileges(asked, new Set(['gatehouse:audit'])), ['openid', 'read', 'gatehouse:audit']);
  assert.deepEqual(withoutUnheldPrivileges(asked, new Set(['gatehouse:admin', 'gatehouse:audit'])), asked);
});
