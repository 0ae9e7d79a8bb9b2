import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { changeFollowingCaches } from '../../../src/memory/caches.js';
import { type AccessTokenRequest, AccessTokens } from '../../../src/tokens/access-tokens.js';
import { clientLookup, fake, keyStoreOf, type ResolvedClient, resolvedClient, type TestKey, testKey } from '../support.js';

type Dependencies = ConstructorParameters<typeof AccessTokens>;

const ISSUER = 'https://issuer.example';
const now = () => Math.floor(Date.now() / 1000);

let es256: TestKey;
let rs256: TestKey;
before(async () => {
  [es256, rs256] = await Promise.all([testKey('ES256'), testKey('RS256')]);
});

/** Access tokens over fakes: revoked jtis in a set, the clients given, caches the test tells of a change. */
function accessTokens(clients: ResolvedClient[] = [resolvedClient()]) {
  const revokedJtis = new Set<string>();
  const revocationLookups: string[] = [];
  const recorded: [string, string, number][] = [];
  const { caches, announceChange } = changeFollowingCaches();
  const tokens = new AccessTokens(
    { issuer: ISSUER, tenant: 'default' },
    fake<Dependencies[1]>(keyStoreOf(es256, rs256)),
    fake<Dependencies[2]>({
      isRevoked: async (jti) => {
        revocationLookups.push(jti);
        return revokedJtis.has(jti);
      },
      revoke: async (jti, clientId, expiresAt) => {
        recorded.push([jti, clientId, expiresAt]);
      },
    }),
    fake<Dependencies[3]>({ find: clientLookup(...clients) }),
    caches,
  );
  return { tokens, revokedJtis, revocationLookups, recorded, announceChange };
}

const request = (changes: Partial<AccessTokenRequest> = {}): AccessTokenRequest => ({
  subject: 'user-1',
  clientId: 'app',
  audience: 'https://api.example',
  scopes: ['openid', 'read'],
  ttl: 300,
  ...changes,
});

describe('AccessTokens.issue: RFC 9068 JWT access tokens', () => {
  test('signed with the ES256 key, typed at+jwt, with the claims RFC 9068 §2.2 requires', async () => {
    const { tokens } = accessTokens();
    const { token, claims } = await tokens.issue(request({ authTime: 1_700_000_000 }));
    assert.deepEqual(decodeProtectedHeader(token), { typ: 'at+jwt', kid: es256.kid, alg: 'ES256' });
    const { payload } = await jwtVerify(token, es256.publicKey, { issuer: ISSUER, audience: 'https://api.example', typ: 'at+jwt' });
    assert.deepEqual(payload, claims);
    assert.ok(Math.abs(claims.iat - now()) <= 1);
    assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(claims, {
      iss: ISSUER,
      tenant: 'default',
      sub: 'user-1',
      aud: 'https://api.example',
      client_id: 'app',
      scope: 'openid read',
      auth_time: 1_700_000_000,
      iat: claims.iat,
      exp: claims.iat + 300,
      jti: claims.jti,
    });
  });

  test('no scope claim for no scopes, and no auth_time for a client acting for itself', async () => {
    const { claims } = await accessTokens().tokens.issue(request({ subject: 'app', scopes: [] }));
    assert.equal('scope' in claims, false);
    assert.equal('auth_time' in claims, false);
  });
});

describe('AccessTokens.inspect: what this server accepts of its own tokens', () => {
  test('a valid token of its own is read back; a changed, foreign or expired one is not', async () => {
    const { tokens } = accessTokens();
    const { token, claims } = await tokens.issue(request());
    assert.deepEqual(await tokens.inspect(token), claims);
    const [header, payload, signature] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'openid read admin' })).toString('base64url');
    assert.equal(await tokens.inspect([header, widened, signature].join('.')), undefined);
    const stranger = await testKey('ES256');
    const foreign = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: stranger.kid, typ: 'at+jwt' })
      .sign(stranger.privateKey);
    assert.equal(await tokens.inspect(foreign), undefined);
    assert.equal(await tokens.inspect(`${header}.${payload}.`), undefined);
    const { token: expired } = await tokens.issue(request({ ttl: -30 }));
    assert.equal(await tokens.inspect(expired), undefined);
    assert.equal((await tokens.inspect(expired, { clockTolerance: 60 }))?.sub, 'user-1', 'unless told to allow for skew');
  });

  test('an ID token (typ JWT) or an RS256 key claiming to be ES256 is no access token', async () => {
    const { tokens } = accessTokens();
    const { claims } = await tokens.issue(request());
    const idToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid, typ: 'JWT' })
      .sign(es256.privateKey);
    assert.equal(await tokens.inspect(idToken), undefined);
    const mislabelled = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: es256.kid, typ: 'at+jwt' })
      .sign(rs256.privateKey);
    assert.equal(await tokens.inspect(mislabelled), undefined);
  });

  test('a revoked jti, or a token of a revoked or removed client, is not accepted', async () => {
    const fakes = accessTokens([resolvedClient(), resolvedClient({ clientId: 'old', revokedAt: now() - 1 })]);
    const { token, claims } = await fakes.tokens.issue(request());
    fakes.revokedJtis.add(claims.jti);
    fakes.announceChange();
    assert.equal(await fakes.tokens.inspect(token), undefined);
    const ofRevokedClient = await fakes.tokens.issue(request({ clientId: 'old' }));
    assert.equal(await fakes.tokens.inspect(ofRevokedClient.token), undefined);
    const ofRemovedClient = await fakes.tokens.issue(request({ clientId: 'gone' }));
    assert.equal(await fakes.tokens.inspect(ofRemovedClient.token), undefined);
    assert.deepEqual(fakes.revocationLookups, [claims.jti], "a client's revocation is enough, its tokens' jtis are not looked up");
  });

  test('a token visibleTo refuses is invalid before its revocation state is looked up', async () => {
    const { tokens, revocationLookups } = accessTokens();
    const { token } = await tokens.issue(request());
    assert.equal(await tokens.inspect(token, { visibleTo: (claims) => claims.client_id === 'other' }), undefined);
    assert.deepEqual(revocationLookups, []);
    assert.equal((await tokens.inspect(token, { visibleTo: (claims) => claims.client_id === 'app' }))?.client_id, 'app');
  });

  test("a jti's revocation state is remembered until the store announces a change", async () => {
    const { tokens, revokedJtis, revocationLookups, announceChange } = accessTokens();
    const { token, claims } = await tokens.issue(request());
    assert.ok(await tokens.inspect(token));
    assert.ok(await tokens.inspect(token));
    assert.equal(revocationLookups.length, 1);
    revokedJtis.add(claims.jti);
    assert.ok(await tokens.inspect(token), 'a revocation announces itself as a change');
    announceChange();
    assert.equal(await tokens.inspect(token), undefined);
    assert.equal(revocationLookups.length, 2);
  });
  test('a verified token is remembered until the store announces a change, its expiry and revocation still checked', async (t) => {
    const published = [es256];
    const keyLookups: string[] = [];
    const { caches, announceChange } = changeFollowingCaches();
    const revokedJtis = new Set<string>();
    const tokens = new AccessTokens(
      { issuer: ISSUER, tenant: 'default' },
      fake<Dependencies[1]>({
        signingKey: keyStoreOf(es256).signingKey,
        verificationKey: async (kid) => {
          keyLookups.push(kid);
          return keyStoreOf(...published).verificationKey(kid);
        },
      }),
      fake<Dependencies[2]>({ isRevoked: async (jti) => revokedJtis.has(jti) }),
      fake<Dependencies[3]>({ find: clientLookup(resolvedClient()) }),
      caches,
    );
    const { token, claims } = await tokens.issue(request({ ttl: 60 }));
    assert.deepEqual(await tokens.inspect(token), claims);
    assert.deepEqual(await tokens.inspect(token), claims);
    assert.deepEqual(keyLookups, [es256.kid], 'the second look verifies no signature');
    // Revocation is its own cache's business: announced, it counts at once for a remembered token too.
    revokedJtis.add(claims.jti);
    announceChange();
    assert.equal(await tokens.inspect(token), undefined);
    revokedJtis.clear();
    announceChange();
    assert.deepEqual(await tokens.inspect(token), claims);
    // A key taken out of the key set (a change the store announces) takes its tokens with it.
    published.length = 0;
    announceChange();
    assert.equal(await tokens.inspect(token), undefined);
    published.push(es256);
    announceChange();
    assert.deepEqual(await tokens.inspect(token), claims);
    const lookups = keyLookups.length;
    // A remembered token expires when its exp says, with no new verification.
    t.mock.method(Date, 'now', () => claims.exp * 1000);
    assert.equal(await tokens.inspect(token), undefined);
    assert.equal(keyLookups.length, lookups);
    // What is remembered is the exact token: the same signature over other claims is refused.
    const [header, , signature] = token.split('.');
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 60 })).toString('base64url'), signature].join('.');
    assert.equal(await tokens.inspect(forged), undefined);
  });
});

test('revoke records the jti with its client until the token would expire anyway', async () => {
  const { tokens, recorded } = accessTokens();
  const { claims } = await tokens.issue(request());
  await tokens.revoke(claims);
  assert.deepEqual(recorded, [[claims.jti, 'app', claims.exp]]);
});

test("the key resolver hands out a public key only for a known kid of the header's algorithm", async () => {
  const { tokens } = accessTokens();
  const resolve = (header: { alg: string; kid?: string }) => tokens.keyResolver(header, { payload: '', signature: '' });
  assert.equal(await resolve({ alg: 'ES256', kid: es256.kid }), es256.publicKey);
  await assert.rejects(
    Promise.resolve().then(() => resolve({ alg: 'RS256', kid: es256.kid })),
    { code: 'ERR_JWKS_NO_MATCHING_KEY' },
  );
  await assert.rejects(
    Promise.resolve().then(() => resolve({ alg: 'ES256' })),
    { code: 'ERR_JWKS_NO_MATCHING_KEY' },
  );
  await assert.rejects(
    Promise.resolve().then(() => resolve({ alg: 'ES256', kid: 'unknown' })),
    { code: 'ERR_JWKS_NO_MATCHING_KEY' },
  );
});
