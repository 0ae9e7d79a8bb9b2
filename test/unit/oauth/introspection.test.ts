import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IntrospectionEndpoint } from '../../../src/oauth/introspection.js';
import { sha256Hex } from '../../../src/tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../../src/tokens/opaque.js';
import { clientLookup, fake, oauthError, publicClient, resolvedClient, SECRET } from '../support.js';

type Dependencies = ConstructorParameters<typeof IntrospectionEndpoint>;
type Claims = NonNullable<Awaited<ReturnType<Dependencies[2]['inspect']>>>;
type StoredRefreshToken = NonNullable<Awaited<ReturnType<Dependencies[3]['findRefreshToken']>>>;

const ISSUER = 'https://issuer.example';
const LIFETIME = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const basic = (clientId: string, secret = SECRET) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

const accessClaims = (changes: Partial<Claims> = {}): Claims => ({
  iss: ISSUER,
  sub: 'user-1',
  aud: 'https://api.example',
  client_id: 'app',
  scope: 'openid read',
  auth_time: now() - 100,
  iat: now() - 10,
  exp: now() + 290,
  jti: 'jti-1',
  ...changes,
});

const REFRESH = generateOpaque(OPAQUE_PREFIXES.refreshToken);
const refreshRecord = (
  changes: Partial<StoredRefreshToken> = {},
  family: Partial<StoredRefreshToken['family']> = {},
): StoredRefreshToken => ({
  tokenHash: sha256Hex(REFRESH),
  expiresAt: now() + 3600,
  issuedAt: now() - 60,
  grant: {
    clientId: 'app',
    userId: 'user-1',
    sessionId: 'session-1',
    scopes: ['openid', 'offline_access'],
    audience: 'https://api.example',
    authTime: now() - 100,
    requestedAt: now() - 100,
  },
  family: {
    grantId: 'grant-1',
    startedAt: now() - 60,
    revoked: false,
    liveTokenHash: sha256Hex(REFRESH),
    rotatedTokenHash: null,
    rotatedAt: null,
    ...family,
  },
  ...changes,
});

/** Introspection over one access token ('the-jwt') and one refresh token, as the fakes know them. */
function introspection(options: { claims?: Claims; refresh?: StoredRefreshToken } = {}) {
  const endpoint = new IntrospectionEndpoint(
    ISSUER,
    fake<Dependencies[1]>({
      find: clientLookup(
        resolvedClient(),
        resolvedClient({ clientId: 'other' }),
        resolvedClient({ clientId: 'api', introspection: true }),
        publicClient(),
      ),
    }),
    fake<Dependencies[2]>({
      inspect: async (token, inspectOptions) => {
        const claims = options.claims ?? accessClaims();
        if (token !== 'the-jwt' || (inspectOptions?.visibleTo && !inspectOptions.visibleTo(claims))) return undefined;
        return claims;
      },
    }),
    fake<Dependencies[3]>({
      findRefreshToken: async (hash) => (hash === sha256Hex(REFRESH) ? (options.refresh ?? refreshRecord()) : undefined),
    }),
    LIFETIME,
  );
  // null: no Authorization header.
  return (token: string | undefined, authorization: string | null = basic('app'), params: Record<string, string> = {}) =>
    endpoint.handle({
      authorization: authorization ?? undefined,
      params: { ...(token === undefined ? {} : { token }), ...params },
      ip: '192.0.2.1',
    });
}

describe('IntrospectionEndpoint (RFC 7662)', () => {
  test("an active access token: its claims under RFC 7662's names, used as a Bearer token", async () => {
    const claims = accessClaims();
    assert.deepEqual(await introspection({ claims })('the-jwt'), {
      active: true,
      scope: 'openid read',
      client_id: 'app',
      sub: 'user-1',
      aud: 'https://api.example',
      iss: ISSUER,
      exp: claims.exp,
      iat: claims.iat,
      jti: 'jti-1',
      token_type: 'Bearer',
      auth_time: claims.auth_time,
    });
    const { scope: _scope, auth_time: _authTime, ...ofClient } = accessClaims({ sub: 'app' });
    const answer = await introspection({ claims: ofClient })('the-jwt');
    assert.equal('scope' in answer || 'auth_time' in answer, false);
  });

  test("a client sees its own tokens; a resource server with the right, every client's access tokens", async () => {
    const introspect = introspection();
    assert.deepEqual(await introspect('the-jwt', basic('other')), { active: false });
    assert.equal((await introspect('the-jwt', basic('api'))).active, true);
    assert.deepEqual(await introspect(REFRESH, basic('api')), { active: false }, "refresh tokens are their own client's alone");
    assert.deepEqual(await introspect('unknown'), { active: false });
    assert.deepEqual(await introspect('unknown', basic('app'), { token_type_hint: 'whatever' }), { active: false });
  });

  test('only confidential clients may ask, and the token is required', async () => {
    const introspect = introspection();
    await assert.rejects(introspect('the-jwt', null, { client_id: 'spa' }), oauthError('invalid_client', /requires client authentication/));
    await assert.rejects(introspect('the-jwt', basic('app', 'wrong')), oauthError('invalid_client'));
    await assert.rejects(introspect(undefined), oauthError('invalid_request', /^the token parameter is missing$/));
  });

  test("a live refresh token: its grant's scopes and user, the exp in force, no token_type", async () => {
    const record = refreshRecord();
    assert.deepEqual(await introspection({ refresh: record })(REFRESH), {
      active: true,
      scope: 'openid offline_access',
      client_id: 'app',
      sub: 'user-1',
      iss: ISSUER,
      exp: record.expiresAt,
      iat: record.issuedAt,
      auth_time: record.grant.authTime,
    });
    const endsFirst = refreshRecord({ expiresAt: now() + 10 * LIFETIME });
    const answer = await introspection({ refresh: endsFirst })(REFRESH);
    assert.ok(answer.active);
    assert.equal(answer.exp, endsFirst.family.startedAt + LIFETIME, 'a token never outlives its family');
  });

  test("a revoked family, a rotated-away token, an expired one or another client's is inactive", async () => {
    for (const refresh of [
      refreshRecord({}, { revoked: true }),
      refreshRecord({}, { liveTokenHash: sha256Hex('the next one') }),
      refreshRecord({ expiresAt: now() }),
      refreshRecord({}, { startedAt: now() - LIFETIME }),
      refreshRecord({ grant: { ...refreshRecord().grant, clientId: 'other' } }),
    ]) {
      assert.deepEqual(await introspection({ refresh })(REFRESH), { active: false });
    }
  });
});
