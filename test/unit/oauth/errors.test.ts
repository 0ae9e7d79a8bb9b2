import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidGrant, invalidRequest, OAuthError, type OAuthErrorCode } from '../../../src/oauth/errors.js';

test('each code has the status its RFC gives it', () => {
  const expected: [OAuthErrorCode, number][] = [
    ['invalid_request', 400],
    ['invalid_client', 401], // RFC 6749 §5.2
    ['invalid_grant', 400],
    ['unauthorized_client', 400],
    ['unsupported_grant_type', 400],
    ['invalid_scope', 400],
    ['invalid_target', 400], // RFC 8707 §2
    ['unsupported_token_type', 400], // RFC 7009 §2.2.1
    ['access_denied', 403],
    ['server_error', 500],
    ['temporarily_unavailable', 503],
    ['invalid_token', 401], // RFC 6750 §3.1
    ['insufficient_scope', 403],
    ['login_required', 400],
    ['consent_required', 400],
    ['request_not_supported', 400],
  ];
  for (const [code, status] of expected) assert.equal(new OAuthError(code, 'x').status, status, code);
});

test('the JSON body is error and error_description (RFC 6749 §5.2); status and headers may be given', () => {
  const error = new OAuthError('invalid_client', 'client authentication failed', { status: 400, headers: { 'www-authenticate': 'Basic' } });
  assert.deepEqual(error.toJSON(), { error: 'invalid_client', error_description: 'client authentication failed' });
  assert.equal(JSON.stringify(error), '{"error":"invalid_client","error_description":"client authentication failed"}');
  assert.equal(error.status, 400);
  assert.deepEqual(error.headers, { 'www-authenticate': 'Basic' });
  assert.deepEqual(new OAuthError('invalid_grant', 'x').headers, {});
  assert.equal(error.message, 'invalid_client: client authentication failed');
  assert.equal(error.name, 'OAuthError');
  assert.ok(error instanceof Error);
});

test('error_description holds only the characters §5.2 allows, and at most 200 of them', () => {
  const error = new OAuthError('invalid_scope', 'the client may not request: "admin" \\ été\n');
  assert.equal(error.description, "the client may not request: 'admin' ' 't''");
  const long = new OAuthError('invalid_scope', `the client may not request: ${'x '.repeat(200)}`);
  assert.equal(long.description.length, 200);
  assert.ok(long.description.endsWith('...'));
});

test('invalidRequest and invalidGrant', () => {
  assert.deepEqual(invalidRequest('the code parameter is missing').toJSON(), {
    error: 'invalid_request',
    error_description: 'the code parameter is missing',
  });
  assert.equal(invalidRequest('too large', 413).status, 413);
  assert.equal(invalidRequest('x').status, 400);
  const grant = invalidGrant('the authorization code has expired');
  assert.equal(grant.code, 'invalid_grant');
  assert.equal(grant.status, 400);
});
