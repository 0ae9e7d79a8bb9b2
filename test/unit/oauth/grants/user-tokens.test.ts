import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { changeFollowingCaches } from '../../../../src/memory/caches.js';
import { MemoryGrants } from '../../../../src/memory/grants.js';
import { MemoryRevocations } from '../../../../src/memory/revocations.js';
import { MemoryUsers } from '../../../../src/memory/users.js';
import { UserTokenIssuer, type UserTokenRequest } from '../../../../src/oauth/grants/user-tokens.js';
import { IdTokens } from '../../../../src/oidc/id-tokens.js';
import type { Client } from '../../../../src/ports/clients.js';
import { nowSeconds } from '../../../../src/ports/clock.js';
import type { User } from '../../../../src/ports/users.js';
import { AccessTokens } from '../../../../src/tokens/access-tokens.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import {
  clientLookup,
  DEFAULT_AUDIENCE,
  fake,
  keyStoreOf,
  oauthError,
  resolvedClient,
  type TestKey,
  testKey,
  userRecord,
} from '../../support.js';

type AccessTokenDependencies = ConstructorParameters<typeof AccessTokens>;

const SETTINGS = { defaultAccessTokenTtl: 300, refreshTokenTtl: 3600, refreshFamilyLifetime: 86_400 };
const ORDERS = { audience: 'https://orders.example', apiScopes: new Set(['orders:read']) };

/** What the grant stands for: offline access and openid for the default API. */
const grantContext = () => ({
  clientId: 'app',
  userId: 'user-1',
  sessionId: 'session-1',
  scopes: ['openid', 'offline_access', 'read'],
  audience: DEFAULT_AUDIENCE,
  authTime: nowSeconds() - 60,
  requestedAt: nowSeconds() - 60,
});

let es256: TestKey;
before(async () => {
  es256 = await testKey('ES256');
});

/** The issuer over real access and ID tokens, the in-memory users and grants, and the role scopes `held`. */
function issuerWith(options: { user?: Partial<User> | null; held?: string[]; client?: Partial<Client> } = {}) {
  // ES256 ID tokens too: one key, and no RSA key to generate (the algorithm choice is IdTokens' own test).
  const caller = resolvedClient({ idTokenSignedResponseAlg: 'ES256', ...options.client });
  const keys = keyStoreOf(es256);
  const accessTokens = new AccessTokens(
    { issuer: 'https://issuer.example', tenant: 'default' },
    fake<AccessTokenDependencies[1]>(keys),
    new MemoryRevocations(),
    fake<AccessTokenDependencies[3]>({ find: clientLookup(caller) }),
    changeFollowingCaches().caches,
  );
  const users = options.user === null ? new MemoryUsers() : new MemoryUsers(userRecord(options.user));
  const grants = new MemoryGrants();
  const roleLookups: string[] = [];
  const issuer = new UserTokenIssuer(
    accessTokens,
    new IdTokens('https://issuer.example', keys, 600),
    grants,
    (id) => users.find(id),
    async (userId) => {
      roleLookups.push(userId);
      return new Set(options.held ?? []);
    },
    SETTINGS,
  );
  const sign = (changes: Partial<UserTokenRequest> = {}) =>
    issuer.sign({
      client: { ...caller, method: 'client_secret_basic', confidential: true },
      grantId: 'grant-1',
      grant: grantContext(),
      scopes: ['openid', 'offline_access', 'read'],
      target: { audience: DEFAULT_AUDIENCE, apiScopes: undefined },
      ...changes,
    });
  return { sign, grants, roleLookups };
}

describe('UserTokenIssuer: what a grant yields', () => {
  test('an access token, a refresh token for offline access and an ID token for openid, with what the store must record', async () => {
    const { sign } = issuerWith();
    const { response, issued } = await sign({ nonce: 'n-1' });
    assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.expires_in, SETTINGS.defaultAccessTokenTtl);
    assert.equal(response.scope, 'openid offline_access read');
    const access = decodeJwt(response.access_token);
    assert.equal(access.sub, 'user-1');
    assert.equal(access.aud, DEFAULT_AUDIENCE);
    assert.deepEqual(issued.accessToken, { jti: access.jti, expiresAt: access.exp });
    assert.match(response.refresh_token!, /^gate_rt_/);
    assert.equal(issued.refreshToken?.tokenHash, sha256Hex(response.refresh_token!));
    assert.equal(issued.refreshToken.expiresAt, issued.refreshToken.issuedAt + SETTINGS.refreshTokenTtl);
    const id = decodeJwt(response.id_token!);
    assert.equal(id.aud, 'app');
    assert.equal(id.sub, 'user-1');
    assert.equal(id.nonce, 'n-1');
  });

  test('a refresh token never outlives its family', async () => {
    const familyStartedAt = nowSeconds() - SETTINGS.refreshFamilyLifetime + 100;
    const { issued } = await issuerWith().sign({ familyStartedAt });
    assert.equal(issued.refreshToken?.expiresAt, familyStartedAt + SETTINGS.refreshFamilyLifetime);
  });

  test('no refresh token without offline access, or for a client without the refresh grant; no ID token without openid', async () => {
    const { response, issued } = await issuerWith().sign({ grant: { ...grantContext(), scopes: ['read'] }, scopes: ['read'] });
    assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(issued.refreshToken, undefined);
    const notRegistered = await issuerWith({ client: { grantTypes: ['authorization_code'] } }).sign();
    assert.equal(notRegistered.response.refresh_token, undefined);
    assert.equal(notRegistered.issued.refreshToken, undefined);
    assert.ok(notRegistered.response.id_token);
  });

  test("a narrowed refresh keeps the grant's offline access: the refresh token is the grant's, not the access token's", async () => {
    const { response } = await issuerWith().sign({ scopes: ['read'] });
    assert.equal(response.scope, 'read');
    assert.ok(response.refresh_token);
    assert.equal(response.id_token, undefined);
  });

  test("the access token carries only its API's scopes (RFC 8707 §2); the ID token still follows openid", async () => {
    const { response } = await issuerWith().sign({ scopes: ['openid', 'orders:read', 'read'], target: ORDERS });
    assert.equal(response.scope, 'orders:read');
    const access = decodeJwt(response.access_token);
    assert.equal(access.aud, ORDERS.audience);
    assert.equal(access.scope, 'orders:read');
    assert.ok(response.id_token);
    const none = await issuerWith().sign({ scopes: ['read'], target: ORDERS });
    assert.equal(none.response.scope, undefined, 'an empty scope is left out (RFC 6749 §5.1)');
  });

  test("a privileged scope reaches the token only while one of the user's roles gives it", async () => {
    const request = { scopes: ['gatehouse:admin', 'read'] };
    const lost = issuerWith({ held: [] });
    assert.equal((await lost.sign(request)).response.scope, 'read');
    assert.deepEqual(lost.roleLookups, ['user-1']);
    assert.equal((await issuerWith({ held: ['gatehouse:admin'] }).sign(request)).response.scope, 'gatehouse:admin read');
    const plain = issuerWith();
    await plain.sign({ scopes: ['read'] });
    assert.deepEqual(plain.roleLookups, [], 'roles are read only when a privileged scope is asked for');
  });

  test("the client's access-token lifetime wins over the default", async () => {
    const { response } = await issuerWith({ client: { accessTokenTtl: 60 } }).sign();
    assert.equal(response.expires_in, 60);
    const access = decodeJwt(response.access_token);
    assert.equal(access.exp! - access.iat!, 60);
  });

  test('a user disabled or removed since the grant: the grant is revoked, invalid_grant', async () => {
    for (const user of [{ disabledAt: nowSeconds() - 1 }, null]) {
      const { sign, grants } = issuerWith({ user });
      grants.grants.set('grant-1', {
        context: grantContext(),
        createdAt: nowSeconds(),
        revokedAt: null,
        refreshTokenHash: null,
        refreshTokenIssuedAt: null,
        rotatedTokenHash: null,
        rotatedAt: null,
      });
      await assert.rejects(sign(), oauthError('invalid_grant', /^the user is no longer active$/));
      assert.notEqual(grants.grants.get('grant-1')?.revokedAt, null);
      assert.equal(grants.announcedChanges, 1);
    }
  });
});
