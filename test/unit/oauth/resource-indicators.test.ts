import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withinApi } from '../../../src/oauth/resource-indicators.js';
import { api, audiences, DEFAULT_AUDIENCE, oauthError } from '../support.js';

const ORDERS = api('https://orders.example/v1', 'Orders', ['orders:read', 'orders:write']);
const OPEN = api('https://open.example', '');

describe('AudienceResolver.resolve: the API a new grant is for (RFC 8707 §2)', () => {
  test('no resource, or the default audience, is the default API, which bounds no scope, without a lookup', async () => {
    const resolver = audiences(ORDERS);
    assert.deepEqual(await resolver.resolve(undefined), { audience: DEFAULT_AUDIENCE, apiScopes: undefined });
    assert.deepEqual(await resolver.resolve(DEFAULT_AUDIENCE), { audience: DEFAULT_AUDIENCE, apiScopes: undefined });
    assert.deepEqual(resolver.lookups, []);
  });

  test('a registered API is the audience, its scopes the bound; an API that defines none bounds nothing', async () => {
    const resolver = audiences(ORDERS, OPEN);
    assert.deepEqual(await resolver.resolve(ORDERS.identifier), { audience: ORDERS.identifier, apiScopes: new Set(ORDERS.scopes) });
    assert.deepEqual(await resolver.resolve(OPEN.identifier), { audience: OPEN.identifier, apiScopes: undefined });
    assert.deepEqual(resolver.lookups, [ORDERS.identifier, OPEN.identifier]);
  });

  test('anything else is invalid_target, and a malformed resource is refused before any lookup', async () => {
    const resolver = audiences(ORDERS);
    await assert.rejects(
      resolver.resolve([ORDERS.identifier, DEFAULT_AUDIENCE]),
      oauthError('invalid_target', /^one resource per request/),
    );
    await assert.rejects(resolver.resolve('/v1'), oauthError('invalid_target', /must be an absolute URI/));
    await assert.rejects(resolver.resolve(`${ORDERS.identifier}#part`), oauthError('invalid_target', /must not have a fragment/));
    // An empty fragment leaves URL.hash empty; the "#" alone is still a fragment (RFC 3986 §3.5).
    await assert.rejects(resolver.resolve(`${ORDERS.identifier}#`), oauthError('invalid_target', /must not have a fragment/));
    assert.deepEqual(resolver.lookups, []);
    await assert.rejects(resolver.resolve('https://orders.example/v2'), oauthError('invalid_target', /names no registered API/));
    await assert.rejects(
      resolver.resolve(`${ORDERS.identifier}/`),
      oauthError('invalid_target', /names no registered API/),
      'compared exactly',
    );
  });
});

describe('AudienceResolver.forGrant: a token request on an existing grant (RFC 8707 §2.2)', () => {
  test("an omitted resource is the grant's; repeating it is fine", async () => {
    const resolver = audiences(ORDERS);
    assert.equal((await resolver.forGrant(undefined, ORDERS.identifier)).audience, ORDERS.identifier);
    assert.equal((await resolver.forGrant(ORDERS.identifier, ORDERS.identifier)).audience, ORDERS.identifier);
    assert.equal((await resolver.forGrant(undefined, DEFAULT_AUDIENCE)).audience, DEFAULT_AUDIENCE);
  });

  test('another API, registered or not, the default one included, is invalid_target', async () => {
    const resolver = audiences(ORDERS, OPEN);
    await assert.rejects(resolver.forGrant(OPEN.identifier, ORDERS.identifier), oauthError('invalid_target', /not the one this grant/));
    await assert.rejects(resolver.forGrant(DEFAULT_AUDIENCE, ORDERS.identifier), oauthError('invalid_target', /not the one this grant/));
    await assert.rejects(resolver.forGrant(ORDERS.identifier, DEFAULT_AUDIENCE), oauthError('invalid_target', /not the one this grant/));
    await assert.rejects(resolver.forGrant('https://gone.example', ORDERS.identifier), oauthError('invalid_target', /no registered API/));
  });
});

test('nameOf: what the consent page calls an API: its name, else its identifier', async () => {
  const resolver = audiences(ORDERS, OPEN);
  assert.equal(await resolver.nameOf(ORDERS.identifier), 'Orders');
  assert.equal(await resolver.nameOf(OPEN.identifier), OPEN.identifier);
  assert.equal(await resolver.nameOf('https://gone.example'), 'https://gone.example');
  assert.equal(await resolver.nameOf(DEFAULT_AUDIENCE), DEFAULT_AUDIENCE);
  assert.deepEqual(resolver.lookups, [ORDERS.identifier, OPEN.identifier, 'https://gone.example']);
});

test('withinApi keeps the scopes the API defines, in order, or all of them when it defines none', () => {
  const scopes = ['orders:write', 'read', 'orders:read'];
  assert.deepEqual(withinApi(scopes, { audience: ORDERS.identifier, apiScopes: new Set(ORDERS.scopes) }), ['orders:write', 'orders:read']);
  assert.deepEqual(withinApi(new Set(scopes), { audience: DEFAULT_AUDIENCE, apiScopes: undefined }), scopes);
  assert.deepEqual(withinApi(scopes, { audience: 'x', apiScopes: new Set() }), []);
});
