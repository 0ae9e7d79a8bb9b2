import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeName, parseForm, parseParams, required, single } from '../../../src/oauth/form.js';
import { oauthError as invalid } from '../support.js';

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

test('parseParams keeps every value of every name in order, for endpoints that judge repeats themselves', () => {
  const params = parseParams('scope=a&resource=r1&scope=b&resource=r2&none=');
  assert.deepEqual({ ...params }, { scope: ['a', 'b'], resource: ['r1', 'r2'] });
  assert.equal(Object.getPrototypeOf(params), null, 'no inherited names such as __proto__ or constructor');
  const hostile = parseForm('__proto__=x&constructor=y');
  assert.equal(Object.hasOwn(hostile, '__proto__'), true);
  // biome-ignore lint/suspicious/noProto: the test is that __proto__ arrives as a plain own property.
  assert.equal(hostile.__proto__, 'x');
  assert.equal(single(hostile, 'constructor'), 'y');
});

test('only names that look like OAuth parameters are echoed in error descriptions', () => {
  assert.equal(describeName('code_verifier'), 'code_verifier');
  assert.equal(describeName('<script>'), 'same');
  assert.equal(describeName('x'.repeat(41)), 'same');
  assert.throws(() => parseForm('%3Cb%3E=1&%3Cb%3E=2'), invalid('invalid_request', /^the same parameter is repeated$/));
});
