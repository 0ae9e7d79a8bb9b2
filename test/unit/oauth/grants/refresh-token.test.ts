import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryGrants } from '../../../../src/memory/grants.js';
import { MemoryRevocations } from '../../../../src/memory/revocations.js';
import type { TokenRequest, TokenResponse } from '../../../../src/oauth/grants/grant-handler.js';
import { refreshTokenGrant, rotationDecision } from '../../../../src/oauth/grants/refresh-token.js';
import { nowSeconds } from '../../../../src/ports/clock.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../../../src/tokens/opaque.js';
import { api, audiences, DEFAULT_AUDIENCE, fake, oauthError, resolvedClient } from '../../support.js';

type Services = Parameters<typeof refreshTokenGrant>[0];
type SignRequest = Parameters<Services['userTokens']['sign']>[0];
type AuditEvent = Parameters<Services['audit']['record']>;

const REUSE_WINDOW = 10;
const FAMILY_LIFETIME = 86_400;
const ORDERS = api('https://orders.example', 'Orders');
const GRANT = {
  clientId: 'app',
  userId: 'user-1',
  sessionId: 'session-1',
  scopes: ['openid', 'offline_access', 'read', 'write'],
  audience: DEFAULT_AUDIENCE,
  authTime: nowSeconds() - 60,
  requestedAt: nowSeconds() - 60,
};

/**
 * The refresh grant over the in-memory grant store, with one family whose first refresh token is `first`; the token
 * issuer is a fake that issues a new refresh token per signing, so each answer can be told apart.
 */
async function familyWith(options: { reuseWindow?: number } = {}) {
  const grants = new MemoryGrants();
  const first = generateOpaque(OPAQUE_PREFIXES.refreshToken);
  const issuedAt = nowSeconds();
  const codeHash = sha256Hex('the code');
  await grants.createCode({ ...GRANT, codeHash, redirectUri: null, codeChallenge: 'c', nonce: null, expiresAt: issuedAt + 60 });
  const issued = {
    accessToken: { jti: 'jti-0', expiresAt: issuedAt + 300 },
    refreshToken: { tokenHash: sha256Hex(first), issuedAt, expiresAt: issuedAt + 3600 },
  };
  assert.ok(await grants.redeemCode(codeHash, { id: 'grant-1', context: GRANT, issued }));
  const signed: SignRequest[] = [];
  const audited: AuditEvent[] = [];
  const handler = refreshTokenGrant({
    grants,
    userTokens: fake<Services['userTokens']>({
      sign: async (request) => {
        signed.push(request);
        const refreshToken = generateOpaque(OPAQUE_PREFIXES.refreshToken);
        const jti = `jti-${signed.length}`;
        const now = nowSeconds();
        return {
          response: { access_token: `at-${signed.length}`, token_type: 'Bearer', expires_in: 300, refresh_token: refreshToken },
          issued: {
            accessToken: { jti, expiresAt: now + 300 },
            refreshToken: { tokenHash: sha256Hex(refreshToken), issuedAt: now, expiresAt: now + 3600 },
          },
        };
      },
    }),
    audiences: audiences(ORDERS),
    audit: fake<Services['audit']>({
      record: async (...event) => {
        audited.push(event);
      },
    }),
    refreshReuseWindow: options.reuseWindow ?? REUSE_WINDOW,
    refreshFamilyLifetime: FAMILY_LIFETIME,
  });
  const refresh = (refreshToken: string, params: Record<string, string> = {}, clientId = 'app'): Promise<TokenResponse> => {
    const request: TokenRequest = {
      client: { ...resolvedClient({ clientId }), method: 'client_secret_basic', confidential: true },
      params: { grant_type: 'refresh_token', refresh_token: refreshToken, ...params },
      ip: '192.0.2.1',
      method: 'POST',
      url: 'https://issuer.example/oauth2/token',
      headers: {},
    };
    return handler.handle(request);
  };
  const grant = () => grants.grants.get('grant-1')!;
  return { grants, first, refresh, signed, audited, grant, revocations: new MemoryRevocations(grants) };
}

describe('refresh_token: rotation (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  test('the live token rotates: a new one is live, the presented one remembered as rotated, the access token listed', async () => {
    const { first, refresh, signed, grant, grants } = await familyWith();
    const response = await refresh(first);
    assert.equal(response.access_token, 'at-1');
    assert.equal(grant().refreshTokenHash, sha256Hex(response.refresh_token!));
    assert.equal(grant().rotatedTokenHash, sha256Hex(first));
    assert.ok(Math.abs(grant().rotatedAt! - nowSeconds()) <= 1);
    assert.equal(grants.accessTokens.get('jti-1')?.grantId, 'grant-1');
    const [request] = signed;
    assert.ok(request);
    assert.equal(request.grantId, 'grant-1');
    assert.deepEqual(request.scopes, GRANT.scopes);
    assert.equal(request.familyStartedAt, grant().createdAt, 'the family keeps its start, so rotation cannot extend it');
    // The successor rotates in turn.
    const next = await refresh(response.refresh_token!);
    assert.equal(grant().rotatedTokenHash, sha256Hex(response.refresh_token!));
    assert.equal(grant().refreshTokenHash, sha256Hex(next.refresh_token!));
  });

  test('the rotated token again within the window is a retry: answered anew, the unused successor superseded', async () => {
    const { first, refresh, grant, audited } = await familyWith();
    const lost = await refresh(first);
    const rotatedAt = grant().rotatedAt;
    const retried = await refresh(first);
    assert.notEqual(retried.refresh_token, lost.refresh_token);
    assert.equal(grant().refreshTokenHash, sha256Hex(retried.refresh_token!));
    assert.equal(grant().rotatedTokenHash, sha256Hex(first));
    assert.equal(grant().rotatedAt, rotatedAt, 'a retry keeps the time of the first rotation, so it cannot stretch the window');
    assert.equal(grant().revokedAt, null);
    assert.deepEqual(audited, []);
    // The successor the client never received is reuse now: a retry superseded it.
    await assert.rejects(refresh(lost.refresh_token!), oauthError('invalid_grant', /used already; its whole family is revoked/));
  });

  test('a rotated token after the window is reuse: the family and its access tokens are revoked, the reuse audited', async () => {
    const { first, refresh, grant, audited, revocations } = await familyWith();
    const rotated = await refresh(first);
    grant().rotatedAt = nowSeconds() - REUSE_WINDOW - 1;
    await assert.rejects(refresh(first), oauthError('invalid_grant', /^the refresh token was used already; its whole family is revoked$/));
    assert.notEqual(grant().revokedAt, null);
    assert.deepEqual(audited, [
      [{ actor: 'app', actor_type: 'client', ip: '192.0.2.1' }, 'refresh_token.reused', 'user-1', { revoked_grant: 'grant-1' }],
    ]);
    assert.ok(await revocations.isRevoked('jti-0'), 'the access token the code gave');
    assert.ok(await revocations.isRevoked('jti-1'), 'the access token the rotation gave');
    await assert.rejects(refresh(rotated.refresh_token!), oauthError('invalid_grant', /^the refresh token has been revoked$/));
    assert.equal(audited.length, 1, 'a revoked family is refused, not revoked again');
  });

  test('with no window, presenting the rotated token at once is reuse', async () => {
    const { first, refresh, grant } = await familyWith({ reuseWindow: 0 });
    await refresh(first);
    await assert.rejects(refresh(first), oauthError('invalid_grant', /whole family is revoked/));
    assert.notEqual(grant().revokedAt, null);
  });

  test('the family ends at its lifetime however often it rotated, and is then left as it is', async () => {
    const { first, refresh, grant, signed, audited } = await familyWith();
    const rotated = await refresh(first);
    grant().createdAt = nowSeconds() - FAMILY_LIFETIME;
    await assert.rejects(refresh(rotated.refresh_token!), oauthError('invalid_grant', /^the refresh token has expired$/));
    await assert.rejects(refresh(first), oauthError('invalid_grant', /^the refresh token has expired$/), 'no reuse past the end');
    assert.equal(grant().revokedAt, null);
    assert.deepEqual(audited, []);
    assert.equal(signed.length, 1);
  });

  test('a token past its own expiry is expired, though its family lives on', async () => {
    const { first, refresh, grants } = await familyWith();
    grants.refreshTokens.get(sha256Hex(first))!.expiresAt = nowSeconds();
    await assert.rejects(refresh(first), oauthError('invalid_grant', /has expired/));
  });
});

describe('refresh_token: what may be asked for', () => {
  test('scope may narrow the grant and never widen it; omitted, it is the grant scope', async () => {
    const { first, refresh, signed, grant } = await familyWith();
    const narrowed = await refresh(first, { scope: 'openid read' });
    assert.deepEqual(signed[0]?.scopes, ['openid', 'read']);
    assert.deepEqual(grant().context.scopes, GRANT.scopes, 'the grant keeps its scope for the next refresh');
    await assert.rejects(refresh(narrowed.refresh_token!, { scope: 'read admin' }), oauthError('invalid_scope', /may not request: admin/));
    assert.equal(grant().refreshTokenHash, sha256Hex(narrowed.refresh_token!), 'a refused widening rotates nothing');
    await refresh(narrowed.refresh_token!);
    assert.deepEqual(signed[1]?.scopes, GRANT.scopes);
  });

  test("another client's token, an unknown one and a malformed one are invalid_grant, and change nothing", async () => {
    const { first, refresh, grant, signed } = await familyWith();
    await assert.rejects(refresh(first, {}, 'other'), oauthError('invalid_grant', /^the refresh token is invalid$/));
    await assert.rejects(refresh(generateOpaque(OPAQUE_PREFIXES.refreshToken)), oauthError('invalid_grant', /is invalid$/));
    await assert.rejects(refresh('gate_rt_short'), oauthError('invalid_grant', /is invalid$/));
    assert.equal(grant().refreshTokenHash, sha256Hex(first));
    assert.equal(grant().revokedAt, null);
    assert.equal(signed.length, 0);
  });

  test("a resource other than the grant's is invalid_target before the family is touched (RFC 8707 §2.2)", async () => {
    const { first, refresh, grant } = await familyWith();
    await assert.rejects(refresh(first, { resource: ORDERS.identifier }), oauthError('invalid_target'));
    assert.equal(grant().refreshTokenHash, sha256Hex(first));
    assert.ok((await refresh(first, { resource: DEFAULT_AUDIENCE })).refresh_token);
  });

  test('a client gone away before the commit leaves the presented token live', async () => {
    const { first, grants, grant } = await familyWith();
    const presented = (await grants.findRefreshToken(sha256Hex(first)))!;
    const issued = { accessToken: { jti: 'jti-x', expiresAt: nowSeconds() + 300 } };
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      grants.rotate(presented, issued, () => 'rotate', controller.signal),
      { name: 'AbortError' },
    );
    assert.equal(grant().refreshTokenHash, sha256Hex(first));
    assert.equal(grants.accessTokens.has('jti-x'), false);
  });
});

describe('rotationDecision', () => {
  const family = { grantId: 'g', startedAt: 0, revoked: false, liveTokenHash: 'live', rotatedTokenHash: 'old', rotatedAt: 100 };
  test('live rotates, the last rotated one within the window retries, anything else is reuse, a revoked family is invalid', () => {
    assert.equal(rotationDecision('live', family, 100, 10), 'rotate');
    assert.equal(rotationDecision('old', family, 110, 10), 'retry');
    assert.equal(rotationDecision('old', family, 111, 10), 'reused');
    assert.equal(rotationDecision('old', family, 100, 0), 'reused');
    assert.equal(rotationDecision('older', family, 100, 10), 'reused');
    assert.equal(rotationDecision('live', { ...family, revoked: true }, 100, 10), 'invalid');
  });

  test('a family changed in between is decided anew: a concurrent rotation makes the second a retry', async () => {
    const grants = new MemoryGrants();
    const codeHash = sha256Hex('code');
    const now = nowSeconds();
    await grants.createCode({ ...GRANT, codeHash, redirectUri: null, codeChallenge: 'c', nonce: null, expiresAt: now + 60 });
    const tokenOf = (n: number) => ({ tokenHash: `hash-${n}`, issuedAt: now, expiresAt: now + 3600 });
    const issued = (n: number) => ({ accessToken: { jti: `a${n}`, expiresAt: now }, refreshToken: tokenOf(n) });
    await grants.redeemCode(codeHash, { id: 'g', context: GRANT, issued: issued(0) });
    const presented = (await grants.findRefreshToken('hash-0'))!;
    const decide = (family: Parameters<typeof rotationDecision>[1]) => rotationDecision('hash-0', family, nowSeconds(), REUSE_WINDOW);
    assert.equal(await grants.rotate(presented, issued(1), decide), 'rotate');
    // The second request saw the family before the first one changed it.
    assert.equal(await grants.rotate(presented, issued(2), decide), 'retry');
    assert.equal(grants.grants.get('g')?.refreshTokenHash, 'hash-2');
  });
});
