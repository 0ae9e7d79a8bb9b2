import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CLOCK_TOLERANCE } from '@gatehouse/resource';
import { RevocationEndpoint } from '../../../src/oauth/revocation.js';
import { sha256Hex } from '../../../src/tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../../src/tokens/opaque.js';
import { clientLookup, fake, oauthError, publicClient, resolvedClient, SECRET } from '../support.js';

type Dependencies = ConstructorParameters<typeof RevocationEndpoint>;
type Claims = NonNullable<Awaited<ReturnType<Dependencies[1]['inspect']>>>;
type StoredRefreshToken = NonNullable<Awaited<ReturnType<Dependencies[2]['findRefreshToken']>>>;

const REFRESH = generateOpaque(OPAQUE_PREFIXES.refreshToken);
const CLAIMS: Claims = {
  iss: 'https://issuer.example',
  sub: 'user-1',
  aud: 'https://api.example',
  client_id: 'spa',
  iat: 1_700_000_000,
  exp: 1_700_000_300,
  jti: 'jti-1',
};
const REFRESH_RECORD = {
  tokenHash: sha256Hex(REFRESH),
  expiresAt: 1_700_003_600,
  grant: { clientId: 'spa', userId: 'user-1', sessionId: 's', scopes: ['openid'], audience: 'a', authTime: 0, requestedAt: 0 },
  family: { grantId: 'grant-1', startedAt: 0, revoked: false, liveTokenHash: sha256Hex(REFRESH), rotatedTokenHash: null, rotatedAt: null },
} satisfies StoredRefreshToken;

/** Revocation over one access token ('the-jwt', issued to spa) and one refresh token of spa's, recording every effect. */
function revocation() {
  const effects: unknown[][] = [];
  const inspections: unknown[] = [];
  const endpoint = new RevocationEndpoint(
    fake<Dependencies[0]>({ find: clientLookup(publicClient(), resolvedClient()) }),
    fake<Dependencies[1]>({
      inspect: async (token, options) => {
        inspections.push(options);
        return token === 'the-jwt' ? CLAIMS : undefined;
      },
      revoke: async (claims) => void effects.push(['revoke', claims.jti]),
    }),
    fake<Dependencies[2]>({
      findRefreshToken: async (hash) => (hash === REFRESH_RECORD.tokenHash ? REFRESH_RECORD : undefined),
      revokeGrant: async (grantId) => void effects.push(['revokeGrant', grantId]),
    }),
    fake<Dependencies[3]>({ record: async (...event) => void effects.push(['audit', ...event]) }),
  );
  const revoke = (clientId: string, params: Record<string, string>) =>
    endpoint.handle({
      authorization: clientId === 'app' ? `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}` : undefined,
      params: { ...(clientId === 'app' ? {} : { client_id: clientId }), ...params },
      ip: '192.0.2.1',
    });
  return { revoke, effects, inspections };
}

const actor = { actor: 'spa', actor_type: 'client', ip: '192.0.2.1' };

test('an access token is revoked by its jti, checked with the leeway resource servers allow, and audited (RFC 7009 §2.1)', async () => {
  const { revoke, effects, inspections } = revocation();
  await revoke('spa', { token: 'the-jwt', token_type_hint: 'access_token' });
  assert.deepEqual(inspections, [{ clockTolerance: DEFAULT_CLOCK_TOLERANCE }]);
  assert.deepEqual(effects, [
    ['revoke', 'jti-1'],
    ['audit', actor, 'token.revoked', 'user-1', { kind: 'access_token', jti: 'jti-1' }],
  ]);
});

test('a refresh token takes its whole grant with it, whatever the hint says', async () => {
  const { revoke, effects, inspections } = revocation();
  await revoke('spa', { token: REFRESH, token_type_hint: 'access_token' });
  assert.deepEqual(effects, [
    ['revokeGrant', 'grant-1'],
    ['audit', actor, 'token.revoked', 'user-1', { kind: 'refresh_token', grant: 'grant-1' }],
  ]);
  assert.deepEqual(inspections, [], 'a refresh token is not read as a JWT');
});

test('an unknown, expired or already revoked token is answered all the same, and changes nothing (§2.2)', async () => {
  const { revoke, effects } = revocation();
  await revoke('spa', { token: 'not-a-token' });
  await revoke('spa', { token: generateOpaque(OPAQUE_PREFIXES.refreshToken) });
  assert.deepEqual(effects, []);
});

test("another client's token is invalid_request and stays valid; the client must authenticate", async () => {
  const { revoke, effects } = revocation();
  await assert.rejects(revoke('app', { token: 'the-jwt' }), oauthError('invalid_request', /^the token was not issued to this client$/));
  await assert.rejects(revoke('app', { token: REFRESH }), oauthError('invalid_request', /not issued to this client/));
  await assert.rejects(revoke('ghost', { token: 'the-jwt' }), oauthError('invalid_client'));
  await assert.rejects(revoke('spa', {}), oauthError('invalid_request', /^the token parameter is missing$/));
  assert.deepEqual(effects, []);
});
