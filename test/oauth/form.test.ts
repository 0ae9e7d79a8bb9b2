import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OAuthError } from '../../src/oauth/errors.js';
import { parseForm, required, single } from '../../src/oauth/form.js';
import { grantScopes, parseScopeParameter } from '../../src/oauth/scopes.js';

const invalid = (code: string, pattern: RegExp) => (error: unknown) =>
  error instanceof OAuthError && error.code === code && pattern.test(error.description);

test('form bodies decode + and percent-encoding, and drop empty values (RFC 6749 §3.1)', () => {
  const params = parseForm(Buffer.from('grant_type=client_credentials&scope=a+b%20c&empty=&flag&client_id=%C3%A9t%C3%A9'));
  assert.deepEqual({ ...params }, { grant_type: 'client_credentials', scope: 'a b c', client_id: 'été' });
  assert.equal(single(params, 'empty'), undefined);
  assert.throws(() => required(params, 'empty'), invalid('invalid_request', /empty parameter is missing/));
});

test('a repeated parameter is invalid_request; resource may repeat (RFC 8707)', () => {
  assert.throws(() => parseForm('scope=a&scope=b'), invalid('invalid_request', /scope parameter is repeated/));
  const params = parseForm('resource=https://a.example&resource=https://b.example');
  assert.deepEqual(params.resource, ['https://a.example', 'https://b.example']);
  assert.throws(() => single(params, 'resource'), invalid('invalid_request', /repeated/));
});

test('malformed percent-encoding and invalid UTF-8 are invalid_request', () => {
  assert.throws(() => parseForm('grant_type=%ZZ'), invalid('invalid_request', /percent-encoding/));
  assert.throws(() => parseForm('grant_type=%C3'), invalid('invalid_request', /percent-encoding/));
  assert.throws(() => parseForm(Buffer.from([0x61, 0x3d, 0xff, 0xfe])), invalid('invalid_request', /UTF-8/));
});

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
