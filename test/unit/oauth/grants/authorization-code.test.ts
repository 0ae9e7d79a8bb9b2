import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizationCodeGrant } from '../../../../src/oauth/grants/authorization-code.js';
import type { TokenRequest } from '../../../../src/oauth/grants/grant-handler.js';
import { sha256Hex } from '../../../../src/tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../../../../src/tokens/opaque.js';
import { api, audiences, DEFAULT_AUDIENCE, fake, oauthError, publicClient } from '../../support.js';

type Services = Parameters<typeof authorizationCodeGrant>[0];
type StoredCode = NonNullable<Awaited<ReturnType<Services['grants']['findCode']>>>;
type Redemption = Parameters<Services['grants']['redeemCode']>;
type AuditEvent = Parameters<Services['audit']['record']>;

// RFC 7636 Appendix B: this verifier's S256 challenge.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CALLBACK = 'http://127.0.0.1/cb';
const ORDERS = api('https://orders.example', 'Orders');
const now = () => Math.floor(Date.now() / 1000);

const spa = publicClient({ redirectUris: [CALLBACK] });
const RESPONSE = { access_token: 'at', token_type: 'Bearer' as const, expires_in: 300, id_token: 'id' };

/** The grant over fakes that record what it asks of the store, the token issuer and the audit log. */
function grantWith(stored: Partial<StoredCode> = {}, options: { reuseWindow?: number; redeems?: boolean } = {}) {
  const code = generateOpaque(OPAQUE_PREFIXES.authorizationCode);
  const record: StoredCode = {
    codeHash: sha256Hex(code),
    clientId: 'spa',
    userId: 'user-1',
    sessionId: 'session-1',
    scopes: ['openid', 'read'],
    audience: DEFAULT_AUDIENCE,
    authTime: now() - 30,
    requestedAt: now() - 30,
    redirectUri: CALLBACK,
    codeChallenge: CHALLENGE,
    nonce: 'n-1',
    expiresAt: now() + 60,
    usedAt: null,
    grantId: null,
    ...stored,
  };
  const lookups: string[] = [];
  const redemptions: Redemption[] = [];
  const revoked: string[] = [];
  const audited: AuditEvent[] = [];
  const signed: Parameters<Services['userTokens']['sign']>[0][] = [];
  const handler = authorizationCodeGrant({
    grants: fake<Services['grants']>({
      findCode: async (codeHash) => {
        lookups.push(codeHash);
        return codeHash === record.codeHash ? record : undefined;
      },
      redeemCode: async (...redemption) => {
        redemptions.push(redemption);
        return options.redeems ?? true;
      },
      revokeGrant: async (grantId) => {
        revoked.push(grantId);
      },
    }),
    userTokens: fake<Services['userTokens']>({
      sign: async (request) => {
        signed.push(request);
        return { response: RESPONSE, issued: { accessToken: { jti: 'jti-1', expiresAt: now() + 300 } } };
      },
    }),
    audiences: audiences(ORDERS),
    audit: fake<Services['audit']>({
      record: async (...event) => {
        audited.push(event);
      },
    }),
    refreshReuseWindow: options.reuseWindow ?? 10,
  });
  const redeem = (params: Record<string, string | undefined>, signal?: AbortSignal) => {
    const request: TokenRequest = {
      client: { ...spa, method: 'none', confidential: false },
      params: Object.fromEntries(
        Object.entries({ grant_type: 'authorization_code', code, code_verifier: VERIFIER, redirect_uri: CALLBACK, ...params }).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      ),
      ip: '192.0.2.1',
      method: 'POST',
      url: 'https://issuer.example/oauth2/token',
      headers: {},
      ...(signal ? { signal } : {}),
    };
    return handler.handle(request);
  };
  return { redeem, code, record, lookups, redemptions, revoked, audited, signed };
}

describe('authorization_code: PKCE (RFC 7636 §4.6)', () => {
  test('the verifier of RFC 7636 Appendix B redeems its code: tokens signed for the grant, then the code redeemed', async () => {
    const { redeem, record, redemptions, signed } = grantWith();
    const controller = new AbortController();
    assert.deepEqual(await redeem({}, controller.signal), RESPONSE);
    assert.equal(signed.length, 1);
    const [request] = signed;
    assert.ok(request);
    assert.equal(request.grant, record);
    assert.deepEqual(request.scopes, ['openid', 'read']);
    assert.equal(request.nonce, 'n-1');
    assert.equal(request.target.audience, DEFAULT_AUDIENCE);
    assert.equal(redemptions.length, 1);
    const [[codeHash, grant, signal]] = redemptions as [Redemption];
    assert.equal(codeHash, record.codeHash);
    assert.equal(grant.id, request.grantId);
    assert.match(grant.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(grant.issued, { accessToken: { jti: 'jti-1', expiresAt: grant.issued.accessToken.expiresAt } });
    assert.equal(signal, controller.signal, 'a client that went away rolls the redemption back');
  });

  test('no verifier is invalid_grant; one outside the §4.1 syntax is invalid_request; neither looks the code up', async () => {
    const { redeem, lookups } = grantWith();
    await assert.rejects(
      redeem({ code_verifier: undefined }),
      oauthError('invalid_grant', /code_verifier parameter is missing \(PKCE is required\)/),
    );
    for (const verifier of [
      VERIFIER.slice(1),
      'a'.repeat(129),
      `${VERIFIER.slice(1)}+`,
      `${VERIFIER.slice(1)}=`,
      `${VERIFIER.slice(2)} a`,
    ]) {
      await assert.rejects(redeem({ code_verifier: verifier }), oauthError('invalid_request', /43-128 unreserved characters/), verifier);
    }
    assert.deepEqual(lookups, []);
  });

  test('a verifier that does not match the challenge is invalid_grant, and changes nothing', async () => {
    const { redeem, redemptions, revoked, audited, signed } = grantWith({ usedAt: now() - 3600, grantId: 'grant-1' });
    await assert.rejects(
      redeem({ code_verifier: `${VERIFIER.slice(0, -1)}l` }),
      oauthError('invalid_grant', /does not match the code_challenge/),
    );
    await assert.rejects(redeem({ code_verifier: 'a'.repeat(128) }), oauthError('invalid_grant', /does not match the code_challenge/));
    // Used long ago: a replay by the holder would revoke the grant. Without the verifier, it is not the holder.
    assert.equal(redemptions.length + revoked.length + audited.length + signed.length, 0);
  });

  test('a challenge stored in any other shape matches no verifier', async () => {
    const { redeem } = grantWith({ codeChallenge: VERIFIER });
    await assert.rejects(redeem({}), oauthError('invalid_grant', /does not match/));
    await assert.rejects(grantWith({ codeChallenge: '' }).redeem({}), oauthError('invalid_grant', /does not match/));
  });
});

describe('authorization_code: the code, its client and its redirect URI (RFC 6749 §4.1.3)', () => {
  test("a malformed code is not looked up; an unknown one, or another client's, is invalid_grant", async () => {
    const { redeem, lookups } = grantWith();
    await assert.rejects(redeem({ code: 'gate_ac_short' }), oauthError('invalid_grant', /^the authorization code is invalid$/));
    assert.deepEqual(lookups, []);
    await assert.rejects(redeem({ code: generateOpaque(OPAQUE_PREFIXES.authorizationCode) }), oauthError('invalid_grant', /is invalid$/));
    await assert.rejects(grantWith({ clientId: 'other' }).redeem({}), oauthError('invalid_grant', /is invalid$/));
    await assert.rejects(redeem({ code: undefined }), oauthError('invalid_request', /code parameter is missing/));
  });

  test('an expired code is invalid_grant', async () => {
    await assert.rejects(grantWith({ expiresAt: now() }).redeem({}), oauthError('invalid_grant', /has expired/));
  });

  test("redirect_uri must repeat the request's; when the request implied it, it may be left out or name that one", async () => {
    await assert.rejects(grantWith().redeem({ redirect_uri: undefined }), oauthError('invalid_grant', /redirect_uri does not match/));
    await assert.rejects(grantWith().redeem({ redirect_uri: 'http://127.0.0.1:5000/cb' }), oauthError('invalid_grant', /does not match/));
    assert.deepEqual(await grantWith({ redirectUri: null }).redeem({ redirect_uri: undefined }), RESPONSE);
    assert.deepEqual(await grantWith({ redirectUri: null }).redeem({ redirect_uri: CALLBACK }), RESPONSE);
    await assert.rejects(grantWith({ redirectUri: null }).redeem({ redirect_uri: 'http://127.0.0.1/other' }), oauthError('invalid_grant'));
  });

  test("a resource other than the grant's is invalid_target, and the code stays redeemable (RFC 8707 §2.2)", async () => {
    const { redeem, redemptions } = grantWith();
    await assert.rejects(redeem({ resource: ORDERS.identifier }), oauthError('invalid_target', /not the one this grant/));
    assert.equal(redemptions.length, 0);
    assert.deepEqual(await redeem({ resource: DEFAULT_AUDIENCE }), RESPONSE);
  });
});

describe('authorization_code: a code used twice (RFC 6749 §4.1.2, RFC 9700 §4.2.4)', () => {
  test('within the reuse window of its first use: refused, nothing revoked', async () => {
    const { redeem, revoked, audited } = grantWith({ usedAt: now() - 5, grantId: 'grant-1' });
    await assert.rejects(redeem({}), oauthError('invalid_grant', /^the authorization code was used already$/));
    assert.deepEqual(revoked, []);
    assert.deepEqual(audited, []);
  });

  test('after the window, or with no window: its grant is revoked and the replay audited', async () => {
    for (const [usedAt, reuseWindow] of [
      [now() - 60, 10],
      [now(), 0],
    ] as const) {
      const { redeem, revoked, audited, signed } = grantWith({ usedAt, grantId: 'grant-1' }, { reuseWindow });
      await assert.rejects(redeem({}), oauthError('invalid_grant', /tokens issued from it are revoked/));
      assert.deepEqual(revoked, ['grant-1']);
      assert.deepEqual(audited, [
        [{ actor: 'spa', actor_type: 'client', ip: '192.0.2.1' }, 'code.replayed', 'user-1', { revoked_grants: ['grant-1'] }],
      ]);
      assert.equal(signed.length, 0);
    }
  });

  test('losing the race to redeem is answered as a use within the window', async () => {
    const { redeem, redemptions, lookups, revoked } = grantWith({}, { redeems: false });
    await assert.rejects(redeem({}), oauthError('invalid_grant', /^the authorization code was used already$/));
    assert.equal(redemptions.length, 1);
    assert.equal(lookups.length, 2, 'the winner is read back');
    assert.deepEqual(revoked, []);
  });
});
