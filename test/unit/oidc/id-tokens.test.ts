import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { accessTokenHash, type IdTokenRequest, IdTokens } from '../../../src/oidc/id-tokens.js';
import { fake, keyStoreOf, type TestKey, testKey, userRecord } from '../support.js';

type Keys = ConstructorParameters<typeof IdTokens>[1];

const ISSUER = 'https://issuer.example';
const now = () => Math.floor(Date.now() / 1000);

let es256: TestKey;
let rs256: TestKey;
let tokens: IdTokens;
before(async () => {
  [es256, rs256] = await Promise.all([testKey('ES256'), testKey('RS256')]);
  tokens = new IdTokens(ISSUER, fake<Keys>(keyStoreOf(es256, rs256)), 600);
});

const request = (changes: Partial<IdTokenRequest> = {}): IdTokenRequest => ({
  user: userRecord(),
  clientId: 'app',
  alg: 'RS256',
  scopes: ['openid', 'email'],
  authTime: now() - 60,
  sessionId: 'session-1',
  requestedAt: now() - 30,
  accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y',
  ...changes,
});

test('at_hash is the left half of the SHA-256 of the access token (OpenID Connect Core §3.1.3.6, the example of A.3)', () => {
  assert.equal(accessTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'), '77QmUPtjPfzWtF2AnpK9RQ');
});

describe('IdTokens.issue (OpenID Connect Core §2)', () => {
  test("signed with the client's algorithm, with every claim the relying party checks", async () => {
    const sent = request({ nonce: 'n-1' });
    const token = await tokens.issue(sent);
    assert.deepEqual(decodeProtectedHeader(token), { typ: 'JWT', kid: rs256.kid, alg: 'RS256' });
    const { payload } = await jwtVerify(token, rs256.publicKey, { issuer: ISSUER, audience: 'app', algorithms: ['RS256'] });
    const { iat, jti, ...rest } = payload;
    assert.ok(iat !== undefined && Math.abs(iat - now()) <= 1);
    assert.match(jti ?? '', /^[\w-]{22}$/);
    assert.deepEqual(rest, {
      sub: 'user-1',
      email: 'alice@example.com',
      email_verified: true,
      iss: ISSUER,
      aud: 'app',
      exp: iat + 600,
      auth_time: sent.authTime,
      nonce: 'n-1',
      at_hash: '77QmUPtjPfzWtF2AnpK9RQ',
      sid: 'session-1',
      rat: sent.requestedAt,
      azp: 'app',
    });
  });

  test('ES256 when the client registered it; RS256 for anything else; no nonce claim without a nonce', async () => {
    const es = await tokens.issue(request({ alg: 'ES256' }));
    assert.deepEqual(decodeProtectedHeader(es), { typ: 'JWT', kid: es256.kid, alg: 'ES256' });
    assert.equal('nonce' in (await jwtVerify(es, es256.publicKey)).payload, false);
    for (const alg of ['none', 'HS256', 'es256'])
      assert.equal(decodeProtectedHeader(await tokens.issue(request({ alg }))).alg, 'RS256', alg);
  });

  test('every token has its own jti', async () => {
    const [a, b] = await Promise.all([tokens.issue(request()), tokens.issue(request())]);
    assert.notEqual((await jwtVerify(a!, rs256.publicKey)).payload.jti, (await jwtVerify(b!, rs256.publicKey)).payload.jti);
  });
});

describe('IdTokens.readHint (RP-Initiated Logout 1.0 §2)', () => {
  test('an ID token of this issuer is read back, expired or not', async () => {
    const hint = await tokens.readHint(await tokens.issue(request()));
    assert.equal(hint?.sub, 'user-1');
    assert.equal(hint?.sid, 'session-1');
    const expired = new IdTokens(ISSUER, fake<Keys>(keyStoreOf(es256, rs256)), -3600);
    assert.equal((await tokens.readHint(await expired.issue(request())))?.sid, 'session-1');
  });

  test('anything else is no hint: another issuer, an unknown key, a key of another algorithm, an access token, garbage', async () => {
    const other = new IdTokens('https://other.example', fake<Keys>(keyStoreOf(es256, rs256)), 600);
    assert.equal(await tokens.readHint(await other.issue(request())), undefined);
    const stranger = await testKey('RS256');
    const foreign = new IdTokens(ISSUER, fake<Keys>(keyStoreOf(stranger)), 600);
    assert.equal(await tokens.readHint(await foreign.issue(request())), undefined);
    const claims = { iss: ISSUER, sub: 'user-1', aud: 'app' };
    const wrongAlg = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: rs256.kid }).sign(es256.privateKey);
    assert.equal(await tokens.readHint(wrongAlg), undefined);
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid, typ: 'at+jwt' })
      .sign(es256.privateKey);
    assert.equal(await tokens.readHint(accessToken), undefined);
    const noKid = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(es256.privateKey);
    assert.equal(await tokens.readHint(noKid), undefined);
    assert.equal(await tokens.readHint('not.a.jwt'), undefined);
  });
});
