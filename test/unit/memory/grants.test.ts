import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryGrants } from '../../../src/memory/grants.js';
import { MemoryRevocations } from '../../../src/memory/revocations.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import type { IssuedTokens } from '../../../src/ports/grants.js';

const CONTEXT = {
  clientId: 'app',
  userId: 'user-1',
  sessionId: 'session-1',
  scopes: ['offline_access', 'read'],
  audience: 'https://issuer.example/api',
  authTime: 1,
  requestedAt: 1,
};
const issued = (n: number): IssuedTokens => ({
  accessToken: { jti: `jti-${n}`, expiresAt: nowSeconds() + 300 },
  refreshToken: { tokenHash: `hash-${n}`, issuedAt: nowSeconds(), expiresAt: nowSeconds() + 3600 },
});

async function withCode() {
  const grants = new MemoryGrants();
  const expiresAt = nowSeconds() + 60;
  await grants.createCode({ ...CONTEXT, codeHash: 'code', redirectUri: null, codeChallenge: 'c', nonce: null, expiresAt });
  return grants;
}

test('a code is redeemed once: the grant is born with its tokens; a second redemption writes nothing', async () => {
  const grants = await withCode();
  assert.equal(await grants.redeemCode('code', { id: 'g1', context: CONTEXT, issued: issued(0) }), true);
  const code = await grants.findCode('code');
  assert.equal(code?.grantId, 'g1');
  assert.ok(code.usedAt !== null);
  assert.equal(await grants.redeemCode('code', { id: 'g2', context: CONTEXT, issued: issued(1) }), false);
  assert.deepEqual([...grants.grants.keys()], ['g1']);
  assert.deepEqual([...grants.accessTokens.keys()], ['jti-0']);
  const token = await grants.findRefreshToken('hash-0');
  assert.equal(token?.family.liveTokenHash, 'hash-0');
  assert.equal(token.issuedAt, issued(0).refreshToken?.issuedAt);
  assert.equal(await grants.redeemCode('unknown', { id: 'g3', context: CONTEXT, issued: issued(2) }), false);
});

test('a redemption whose client went away is rolled back: the code stays redeemable', async () => {
  const grants = await withCode();
  const controller = new AbortController();
  controller.abort();
  const redemption = { id: 'g1', context: CONTEXT, issued: issued(0) };
  await assert.rejects(grants.redeemCode('code', redemption, controller.signal), { name: 'AbortError' });
  assert.equal((await grants.findCode('code'))?.usedAt, null);
  assert.equal(grants.grants.size, 0);
  assert.equal(await grants.redeemCode('code', { id: 'g1', context: CONTEXT, issued: issued(0) }), true);
});

test('a rotated token stays known, without the issue time only the live token has', async () => {
  const grants = await withCode();
  await grants.redeemCode('code', { id: 'g1', context: CONTEXT, issued: issued(0) });
  const presented = (await grants.findRefreshToken('hash-0'))!;
  assert.equal(await grants.rotate(presented, issued(1), () => 'rotate'), 'rotate');
  const rotated = (await grants.findRefreshToken('hash-0'))!;
  assert.equal(rotated.issuedAt, undefined);
  assert.deepEqual(rotated.family, {
    grantId: 'g1',
    startedAt: rotated.family.startedAt,
    revoked: false,
    liveTokenHash: 'hash-1',
    rotatedTokenHash: 'hash-0',
    rotatedAt: rotated.family.rotatedAt,
  });
});

test('reuse revokes the grant, which revokes every access token issued from it; invalid changes nothing', async () => {
  const grants = await withCode();
  await grants.redeemCode('code', { id: 'g1', context: CONTEXT, issued: issued(0) });
  const revocations = new MemoryRevocations(grants);
  const presented = (await grants.findRefreshToken('hash-0'))!;
  assert.equal(await grants.rotate(presented, issued(1), () => 'invalid'), 'invalid');
  assert.equal(grants.grants.get('g1')?.refreshTokenHash, 'hash-0');
  assert.equal(await revocations.isRevoked('jti-0'), false);
  assert.equal(await grants.rotate(presented, issued(1), () => 'reused'), 'reused');
  assert.equal((await grants.findRefreshToken('hash-0'))?.family.revoked, true);
  assert.equal(await revocations.isRevoked('jti-0'), true);
  assert.equal(grants.accessTokens.has('jti-1'), false, 'nothing issued for a reused token is recorded');
  assert.equal(await revocations.isRevoked('unknown'), false);
  await revocations.revoke('unknown', 'app', nowSeconds() + 60);
  assert.equal(await revocations.isRevoked('unknown'), true);
});

test('a family revoked between reading and rotating is decided anew, and the rotation refused', async () => {
  const grants = await withCode();
  await grants.redeemCode('code', { id: 'g1', context: CONTEXT, issued: issued(0) });
  const presented = (await grants.findRefreshToken('hash-0'))!;
  await grants.revokeGrant('g1');
  const seen: boolean[] = [];
  const decision = await grants.rotate(presented, issued(1), (family) => {
    seen.push(family.revoked);
    return family.revoked ? 'invalid' : 'rotate';
  });
  assert.equal(decision, 'invalid');
  assert.deepEqual(seen, [false, true], 'the stale view first, then the family as it stands');
  assert.equal(grants.grants.get('g1')?.refreshTokenHash, 'hash-0');
});
