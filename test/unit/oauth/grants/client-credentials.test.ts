import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { changeFollowingCaches } from '../../../../src/memory/caches.js';
import { MemoryRevocations } from '../../../../src/memory/revocations.js';
import { clientCredentialsGrant } from '../../../../src/oauth/grants/client-credentials.js';
import type { TokenRequest } from '../../../../src/oauth/grants/grant-handler.js';
import { AccessTokens } from '../../../../src/tokens/access-tokens.js';
import {
  api,
  audiences,
  clientLookup,
  DEFAULT_AUDIENCE,
  fake,
  keyStoreOf,
  oauthError,
  publicClient,
  type ResolvedClient,
  resolvedClient,
  type TestKey,
  testKey,
} from '../../support.js';

type Dependencies = ConstructorParameters<typeof AccessTokens>;

const ORDERS = api('https://orders.example', 'Orders', ['orders:read', 'orders:write']);
const DEFAULT_TTL = 600;

let es256: TestKey;
before(async () => {
  es256 = await testKey('ES256');
});

/** The grant issuing real access tokens (the in-memory revocations, the given clients) for the client `caller`. */
function grantFor(caller: ResolvedClient, method: TokenRequest['client']['method'] = 'client_secret_basic') {
  const accessTokens = new AccessTokens(
    { issuer: 'https://issuer.example', tenant: 'default' },
    fake<Dependencies[1]>(keyStoreOf(es256)),
    new MemoryRevocations(),
    fake<Dependencies[3]>({ find: clientLookup(caller) }),
    changeFollowingCaches().caches,
  );
  const handler = clientCredentialsGrant({ accessTokens, audiences: audiences(ORDERS), defaultAccessTokenTtl: DEFAULT_TTL });
  const token = (params: Record<string, string> = {}) =>
    handler.handle({
      client: { ...caller, method, confidential: method !== 'none' },
      params: { grant_type: 'client_credentials', ...params },
      ip: '192.0.2.1',
      method: 'POST',
      url: 'https://issuer.example/oauth2/token',
      headers: {},
    });
  return { token, accessTokens };
}

const service = resolvedClient({ clientId: 'reporting', grantTypes: ['client_credentials'] }, ['read', 'write', 'orders:read']);

describe('client_credentials (RFC 6749 §4.4)', () => {
  test('the token is for the client itself, with every scope it may have, and no refresh token (§4.4.3)', async () => {
    const { token, accessTokens } = grantFor(service);
    const response = await token();
    assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.expires_in, DEFAULT_TTL);
    assert.equal(response.scope, 'read write orders:read');
    const claims = decodeJwt(response.access_token);
    assert.equal(claims.sub, 'reporting');
    assert.equal(claims.client_id, 'reporting');
    assert.equal(claims.aud, DEFAULT_AUDIENCE);
    assert.equal(claims.exp! - claims.iat!, DEFAULT_TTL);
    assert.equal(claims.auth_time, undefined, 'no user authenticated');
    assert.equal((await accessTokens.inspect(response.access_token))?.sub, 'reporting', 'the server accepts what it issued');
  });

  test('a requested scope is granted as asked; one the client may not have is invalid_scope', async () => {
    const { token } = grantFor(service);
    assert.equal((await token({ scope: 'write' })).scope, 'write');
    await assert.rejects(token({ scope: 'read admin' }), oauthError('invalid_scope', /may not request: admin$/));
  });

  test("the client's own lifetime wins over the default", async () => {
    const { token } = grantFor(resolvedClient({ ...service.client, accessTokenTtl: 60 }, service.allowedScopes));
    const response = await token();
    assert.equal(response.expires_in, 60);
    const claims = decodeJwt(response.access_token);
    assert.equal(claims.exp! - claims.iat!, 60);
  });

  test('for an API (RFC 8707): its audience, only the scopes it defines, a scope it lacks refused when asked for', async () => {
    const { token } = grantFor(service);
    const response = await token({ resource: ORDERS.identifier });
    assert.equal(decodeJwt(response.access_token).aud, ORDERS.identifier);
    assert.equal(response.scope, 'orders:read', 'the default leaves out what the API does not define, and what the client may not have');
    await assert.rejects(token({ resource: ORDERS.identifier, scope: 'read' }), oauthError('invalid_scope', /may not request: read$/));
    await assert.rejects(token({ resource: 'https://unknown.example' }), oauthError('invalid_target'));
  });

  test('with no scope to give, the response names none', async () => {
    const { token } = grantFor(resolvedClient({ ...service.client }, []));
    const response = await token();
    assert.equal(response.scope, undefined);
    assert.equal(decodeJwt(response.access_token).scope, undefined);
  });

  test('a public client may not use it (unauthorized_client), whatever it is registered for', async () => {
    const { token } = grantFor(publicClient({ grantTypes: ['client_credentials'] }), 'none');
    await assert.rejects(token(), oauthError('unauthorized_client', /public clients may not use the client_credentials grant/));
  });
});
