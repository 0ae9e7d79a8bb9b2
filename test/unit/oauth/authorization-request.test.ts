import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AuthorizationPageError,
  AuthorizationRedirectError,
  type AuthorizationRequestDependencies,
  matchRedirectUri,
  type RawParams,
  validateAuthorizationRequest,
} from '../../../src/oauth/authorization-request.js';
import { AudienceResolver } from '../../../src/oauth/resource-indicators.js';
import { api, audiences, clientLookup, DEFAULT_AUDIENCE, publicClient, type ResolvedClient, resolvedClient } from '../support.js';

const CALLBACK = 'https://app.example/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const ORDERS = api('https://orders.example', 'Orders', ['orders:read']);
const NOW = 1_800_000_000;

const app = resolvedClient({ redirectUris: [CALLBACK] }, ['read', 'write', 'orders:read', 'offline_access']);

function deps(...clients: ResolvedClient[]): AuthorizationRequestDependencies {
  return {
    audiences: audiences(ORDERS),
    findClient: clientLookup(...(clients.length > 0 ? clients : [app])),
    now: () => NOW,
  };
}

/** A valid request for `app`, as the parsed query carries it, with `changes` applied (undefined removes). */
function params(changes: Record<string, string | string[] | undefined> = {}): RawParams {
  const base: Record<string, string | string[] | undefined> = {
    client_id: 'app',
    redirect_uri: CALLBACK,
    response_type: 'code',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'xyz',
    scope: 'openid read',
    ...changes,
  };
  const raw: RawParams = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) raw[name] = Array.isArray(value) ? value : [value];
  return raw;
}

const validate = (changes?: Record<string, string | string[] | undefined>, dependencies = deps()) =>
  validateAuthorizationRequest(params(changes), dependencies);

/** Rejected with an error page (nothing sent to the redirect URI, RFC 6749 §4.1.2.1). */
const pageError = (code: string, description: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AuthorizationPageError, `expected a page error, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.match(error.description, description);
  return true;
};

/** Rejected with an error for the client's redirect URI, with its state and response mode. */
const redirectError =
  (code: string, description: RegExp, where: { redirectUri?: string; responseMode?: string; state?: string | undefined } = {}) =>
  (error: unknown) => {
    assert.ok(error instanceof AuthorizationRedirectError, `expected a redirect error, got ${String(error)}`);
    assert.equal(error.error.code, code);
    assert.match(error.error.description, description);
    assert.equal(error.redirectUri, where.redirectUri ?? CALLBACK);
    assert.equal(error.responseMode, where.responseMode ?? 'query');
    assert.equal(error.state, 'state' in where ? where.state : 'xyz');
    return true;
  };

describe('matchRedirectUri: exact match, except the port of a loopback IP literal (RFC 8252 §7.3)', () => {
  test('registered URIs match exactly, and only exactly, off loopback', () => {
    assert.equal(matchRedirectUri(CALLBACK, [CALLBACK]), true);
    for (const near of [`${CALLBACK}/`, 'https://app.example/Callback', 'https://APP.example/callback', `${CALLBACK}?x=1`]) {
      assert.equal(matchRedirectUri(near, [CALLBACK]), false, near);
    }
    assert.equal(matchRedirectUri('https://app.example:8443/callback', [CALLBACK]), false, 'no port freedom off loopback');
    assert.equal(matchRedirectUri('not a url', [CALLBACK]), false);
  });

  test('127.0.0.1 and [::1] over http match on any port, with the path and query the same', () => {
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/cb', ['http://127.0.0.1/cb']), true);
    assert.equal(matchRedirectUri('http://127.0.0.1/cb', ['http://127.0.0.1:8080/cb']), true);
    assert.equal(matchRedirectUri('http://[::1]:61000/cb?a=1', ['http://[::1]/cb?a=1']), true);
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/other', ['http://127.0.0.1/cb']), false);
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/cb?a=2', ['http://127.0.0.1/cb?a=1']), false);
    assert.equal(matchRedirectUri('http://[::1]:51234/cb', ['http://127.0.0.1/cb']), false, 'the address must be the same');
  });

  test('localhost, https, and anything the URL parser would normalise do not get the loopback rule', () => {
    // RFC 8252 §8.3: "localhost" is NOT RECOMMENDED; it could resolve elsewhere.
    assert.equal(matchRedirectUri('http://localhost:51234/cb', ['http://localhost/cb']), false);
    assert.equal(matchRedirectUri('https://127.0.0.1:51234/cb', ['https://127.0.0.1/cb']), false);
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/x/../cb', ['http://127.0.0.1/cb']), false);
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/%63b', ['http://127.0.0.1/cb']), false);
    assert.equal(matchRedirectUri('http://127.0.0.1:80@evil.example/cb', ['http://127.0.0.1/cb']), false);
    assert.equal(matchRedirectUri('http://127.0.0.1:51234/cb', ['http://127.0.0.1/cb#frag', 'not a url']), false);
  });
});

describe('validateAuthorizationRequest', () => {
  test('a valid request comes back whole, with the time and audience it was made for', async () => {
    const request = await validate({
      nonce: 'n-1',
      login_hint: 'alice',
      max_age: '300',
      prompt: 'login consent',
      response_mode: 'form_post',
    });
    assert.deepEqual(request, {
      clientId: 'app',
      redirectUri: CALLBACK,
      redirectUriParameter: CALLBACK,
      responseMode: 'form_post',
      state: 'xyz',
      scopes: ['openid', 'read'],
      nonce: 'n-1',
      codeChallenge: CHALLENGE,
      prompt: ['login', 'consent'],
      maxAge: 300,
      loginHint: 'alice',
      audience: DEFAULT_AUDIENCE,
      requestedAt: NOW,
    });
  });

  test('optional members are absent, not undefined, when the request leaves them out', async () => {
    const request = await validate({ state: undefined, scope: undefined });
    assert.deepEqual(Object.keys(request).sort(), [
      'audience',
      'clientId',
      'codeChallenge',
      'prompt',
      'redirectUri',
      'redirectUriParameter',
      'requestedAt',
      'responseMode',
      'scopes',
    ]);
    assert.deepEqual(request.scopes, []);
    assert.equal(request.responseMode, 'query');
  });

  describe('errors about the client and the redirect URI go to a page, never to the redirect URI', () => {
    test('client_id missing, repeated, unknown or revoked', async () => {
      await assert.rejects(validate({ client_id: undefined }), pageError('invalid_request', /client_id parameter is missing/));
      await assert.rejects(validate({ client_id: ['app', 'app'] }), pageError('invalid_request', /client_id parameter is repeated/));
      await assert.rejects(validate({ client_id: 'nobody' }), pageError('invalid_client', /the client is unknown/));
      const revoked = resolvedClient({ redirectUris: [CALLBACK], revokedAt: NOW - 1 });
      await assert.rejects(validate({}, deps(revoked)), pageError('invalid_client', /the client is unknown/));
    });

    test('redirect_uri repeated, unregistered, or missing when more than one is registered', async () => {
      await assert.rejects(
        validate({ redirect_uri: [CALLBACK, CALLBACK] }),
        pageError('invalid_request', /redirect_uri parameter is repeated/),
      );
      await assert.rejects(validate({ redirect_uri: 'https://evil.example/callback' }), pageError('invalid_request', /not registered/));
      const two = resolvedClient({ redirectUris: [CALLBACK, 'https://app.example/other'] });
      await assert.rejects(
        validate({ redirect_uri: undefined }, deps(two)),
        pageError('invalid_request', /redirect_uri parameter is missing/),
      );
    });

    test('a client with one registered redirect URI may leave it out: it is implied, and recorded as not sent', async () => {
      const request = await validate({ redirect_uri: undefined });
      assert.equal(request.redirectUri, CALLBACK);
      assert.equal(request.redirectUriParameter, null);
    });

    test('a native app on a loopback port gets its code at that port', async () => {
      const native = publicClient({ redirectUris: ['http://127.0.0.1/cb'] });
      const request = await validate({ client_id: 'spa', redirect_uri: 'http://127.0.0.1:49152/cb' }, deps(native));
      assert.equal(request.redirectUri, 'http://127.0.0.1:49152/cb');
      assert.equal(request.redirectUriParameter, 'http://127.0.0.1:49152/cb');
    });

    test('a state too long to echo is a page error, even when the rest is wrong too', async () => {
      await assert.rejects(
        validate({ state: 'x'.repeat(2049), response_type: 'token' }),
        pageError('invalid_request', /state parameter is longer than 2048/),
      );
      assert.equal((await validate({ state: 'x'.repeat(2048) })).state?.length, 2048);
    });
  });

  describe('every other error goes back to the redirect URI with state and response mode', () => {
    test('repeated parameters, except resource (RFC 8707)', async () => {
      await assert.rejects(validate({ scope: ['read', 'write'] }), redirectError('invalid_request', /^the scope parameter is repeated$/));
      await assert.rejects(validate({ '<x>': ['1', '2'] }), redirectError('invalid_request', /^the same parameter is repeated$/));
      // A repeated state is not echoed: which one would be the client's?
      await assert.rejects(
        validate({ state: ['a', 'b'] }),
        redirectError('invalid_request', /state parameter is repeated/, { state: undefined }),
      );
      await assert.rejects(
        validate({ resource: [ORDERS.identifier, DEFAULT_AUDIENCE] }),
        redirectError('invalid_target', /one resource per request/),
      );
    });

    test('response_mode is query or form_post; an unknown one is answered by query', async () => {
      await assert.rejects(
        validate({ response_mode: 'fragment' }),
        redirectError('invalid_request', /response_mode must be query or form_post/),
      );
      await assert.rejects(
        validate({ response_mode: 'form_post', response_type: 'token' }),
        redirectError('unsupported_response_type', /only response_type=code/, { responseMode: 'form_post' }),
      );
    });

    test('request objects are not supported (OpenID Connect Core §6)', async () => {
      await assert.rejects(validate({ request: 'eyJ...' }), redirectError('request_not_supported', /request objects/));
      await assert.rejects(validate({ request_uri: 'urn:x' }), redirectError('request_uri_not_supported', /request_uri/));
    });

    test('nonce and login_hint are bounded, as they are echoed', async () => {
      await assert.rejects(validate({ nonce: 'n'.repeat(2049) }), redirectError('invalid_request', /^nonce is too long$/));
      await assert.rejects(validate({ login_hint: 'h'.repeat(2049) }), redirectError('invalid_request', /^login_hint is too long$/));
    });

    test('response_type must be code, and the client allowed the authorization_code grant', async () => {
      await assert.rejects(validate({ response_type: undefined }), redirectError('invalid_request', /response_type parameter is missing/));
      await assert.rejects(
        validate({ response_type: 'code id_token' }),
        redirectError('unsupported_response_type', /only response_type=code/),
      );
      const machine = resolvedClient({ redirectUris: [CALLBACK], grantTypes: ['client_credentials'] });
      await assert.rejects(validate({}, deps(machine)), redirectError('unauthorized_client', /authorization_code grant/));
    });

    test('PKCE is required, with S256 only and a 43-character base64url challenge (RFC 7636 §4.2, RFC 9700 §2.1.1)', async () => {
      await assert.rejects(validate({ code_challenge: undefined }), redirectError('invalid_request', /code_challenge is required/));
      await assert.rejects(validate({ code_challenge_method: undefined }), redirectError('invalid_request', /must be S256/));
      await assert.rejects(validate({ code_challenge_method: 'plain' }), redirectError('invalid_request', /must be S256/));
      await assert.rejects(validate({ code_challenge_method: 's256' }), redirectError('invalid_request', /must be S256/));
      for (const challenge of [CHALLENGE.slice(1), `${CHALLENGE}A`, `${CHALLENGE.slice(1)}=`, `${CHALLENGE.slice(1)}+`]) {
        await assert.rejects(
          validate({ code_challenge: challenge }),
          redirectError('invalid_request', /43 base64url characters/),
          challenge,
        );
      }
    });

    test('the resource must be a registered API, absolute and without a fragment (RFC 8707 §2)', async () => {
      await assert.rejects(validate({ resource: 'orders' }), redirectError('invalid_target', /absolute URI/));
      await assert.rejects(validate({ resource: `${ORDERS.identifier}#x` }), redirectError('invalid_target', /fragment/));
      await assert.rejects(validate({ resource: 'https://unknown.example' }), redirectError('invalid_target', /no registered API/));
    });

    test('a failure to look the API up is not turned into a redirect', async () => {
      const broken = { ...deps(), audiences: new AudienceResolver(DEFAULT_AUDIENCE, () => Promise.reject(new Error('store down'))) };
      await assert.rejects(validate({ resource: ORDERS.identifier }, broken), /store down/);
    });

    test('scope syntax, and scopes the client may not ask for', async () => {
      await assert.rejects(validate({ scope: 'openid  read' }), redirectError('invalid_scope', /malformed/));
      await assert.rejects(
        validate({ scope: 'admin read delete' }),
        redirectError('invalid_scope', /^the client may not request: admin delete$/),
      );
    });

    test('prompt values and max_age', async () => {
      await assert.rejects(validate({ prompt: 'login bogus' }), redirectError('invalid_request', /prompt has an unknown value/));
      await assert.rejects(validate({ prompt: 'none login' }), redirectError('invalid_request', /prompt=none cannot be combined/));
      for (const maxAge of ['-1', '1.5', '1e3', '1234567890', 'soon']) {
        await assert.rejects(validate({ max_age: maxAge }), redirectError('invalid_request', /max_age must be a whole number/), maxAge);
      }
    });
  });

  test('prompt=select_account is accepted and needs nothing more: one account per browser', async () => {
    assert.deepEqual((await validate({ prompt: 'select_account' })).prompt, []);
    assert.deepEqual((await validate({ prompt: 'none' })).prompt, ['none']);
    assert.equal((await validate({ max_age: '0' })).maxAge, 0);
  });

  test("scopes: OpenID Connect's for every client, others within what the client and its API allow", async () => {
    const bare = resolvedClient({ redirectUris: [CALLBACK] }, []);
    assert.deepEqual((await validate({ scope: 'openid profile email openid' }, deps(bare))).scopes, ['openid', 'profile', 'email']);
    const forOrders = await validate({ resource: ORDERS.identifier, scope: 'openid orders:read' });
    assert.deepEqual(forOrders.scopes, ['openid', 'orders:read']);
    assert.equal(forOrders.audience, ORDERS.identifier);
    // The client may have `read`, but the Orders API does not define it: a token for Orders cannot carry it.
    await assert.rejects(
      validate({ resource: ORDERS.identifier, scope: 'orders:read read' }),
      redirectError('invalid_scope', /request: read$/),
    );
    assert.equal((await validate({ resource: DEFAULT_AUDIENCE, scope: 'read' })).audience, DEFAULT_AUDIENCE);
  });

  test('offline access is kept only for a client allowed refresh tokens (OpenID Connect Core §11)', async () => {
    assert.deepEqual((await validate({ scope: 'openid offline_access offline' })).scopes, ['openid', 'offline_access', 'offline']);
    const noRefresh = resolvedClient({ redirectUris: [CALLBACK], grantTypes: ['authorization_code'] });
    assert.deepEqual((await validate({ scope: 'openid offline_access offline read' }, deps(noRefresh))).scopes, ['openid', 'read']);
  });
});
