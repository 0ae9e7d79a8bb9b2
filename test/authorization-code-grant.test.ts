import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { nowSeconds } from '../src/ports/clock.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import {
  assertOAuthError,
  assertTokensUsable,
  authorize,
  type CodeFlow,
  createAlice,
  discover,
  FULL_SCOPE,
  OTHER_REDIRECT_URI,
  publicApp,
  REDIRECT_URI,
  redeem,
  refresh,
  type Tokens,
  tokensFor,
  userinfo,
  webApp,
} from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, type Credentials, introspect, revoke } from './helpers/tokens.js';

// DESIGN §2 opaque format: prefix, 43 base62 characters of randomness, 6 of checksum.
const CODE_FORMAT = /^gate_ac_[0-9A-Za-z]{49}$/;

for (const backend of backends()) {
  describe(`authorization_code grant with openid-client and oauth4webapi (${backend.name})`, () => {
    let server: TestServer;
    let userId: string;
    let web: Credentials;
    let spa: Credentials;
    let otherWeb: Credentials;
    let resourceServer: Credentials;
    const options = { [oauth.allowInsecureRequests]: true };
    const flowFor = (app: Credentials, scope = FULL_SCOPE) => authorize(server, { clientId: app.clientId, scope });
    /** A code of `web`'s, redeemed once successfully. */
    const redeemedOnce = async () => {
      const flow = await flowFor(web);
      return { flow, tokens: await tokensFor(server, web, flow) };
    };

    before(async () => {
      // The replays here come at once; without the reuse window (which spares a retried redemption, see
      // refresh-rotation-faults.test.ts) every one of them revokes what the code issued.
      server = await startTestServer(backend, { GATEHOUSE_REFRESH_REUSE_WINDOW: '0' });
      userId = await createAlice(server);
      web = await webApp(server);
      otherWeb = await webApp(server, 'Other Web App');
      spa = await publicApp(server);
      resourceServer = await server.createClient({ name: 'Resource server', introspection: true });
    });
    after(() => server.close());

    describe('client libraries', () => {
      for (const kind of ['confidential (client_secret_basic)', 'public (PKCE, none)'] as const) {
        const app = () => (kind.startsWith('public') ? spa : web);

        test(`openid-client, ${kind}: authorize, code grant, ID token and userinfo`, async () => {
          const config = await discover(server, app());
          const flow = await authorize(server, {
            clientId: app().clientId,
            scope: FULL_SCOPE,
            buildUrl: (params) => client.buildAuthorizationUrl(config, params),
          });
          assert.equal(flow.callbackUrl.searchParams.get('iss'), server.issuer);
          const tokens = await client.authorizationCodeGrant(config, flow.callbackUrl, {
            pkceCodeVerifier: flow.verifier,
            expectedState: flow.state,
            expectedNonce: flow.nonce,
            idTokenExpected: true,
          });
          assert.equal(tokens.token_type, 'bearer');
          assert.deepEqual(tokens.scope?.split(' ').sort(), FULL_SCOPE.split(' ').sort());
          assert.match(tokens.refresh_token ?? '', /^gate_rt_/);
          const claims = tokens.claims()!;
          assert.equal(claims.sub, userId);
          assert.equal(claims.aud, app().clientId);
          assert.equal(claims.nonce, flow.nonce);
          const info = await client.fetchUserInfo(config, tokens.access_token, userId);
          assert.deepEqual(info, {
            sub: userId,
            preferred_username: 'alice',
            name: 'Alice',
            updated_at: info.updated_at,
            email: 'alice@example.com',
            email_verified: true,
          });
        });

        test(`oauth4webapi, ${kind}: authorize, code grant, ID token and userinfo`, async () => {
          const issuer = new URL(server.issuer);
          const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }));
          const oauthClient: oauth.Client = { client_id: app().clientId };
          const auth = app().clientSecret ? oauth.ClientSecretBasic(app().clientSecret) : oauth.None();
          const flow = await flowFor(app());
          const callback = oauth.validateAuthResponse(as, oauthClient, flow.callbackUrl, flow.state);
          const response = await oauth.authorizationCodeGrantRequest(as, oauthClient, auth, callback, REDIRECT_URI, flow.verifier, options);
          const tokens = await oauth.processAuthorizationCodeResponse(as, oauthClient, response, {
            expectedNonce: flow.nonce,
            requireIdToken: true,
          });
          assert.equal(tokens.token_type, 'bearer');
          const claims = oauth.getValidatedIdTokenClaims(tokens)!;
          assert.equal(claims.sub, userId);
          assert.equal(claims.nonce, flow.nonce);
          const info = await oauth.processUserInfoResponse(
            as,
            oauthClient,
            userId,
            await oauth.userInfoRequest(as, oauthClient, tokens.access_token, options),
          );
          assert.equal(info.email, 'alice@example.com');
          assert.equal(info.preferred_username, 'alice');
        });
      }
    });

    test('the token response has exactly the RFC 6749 §5.1 members and is not cacheable', async () => {
      const flow = await flowFor(web);
      assert.match(flow.code, CODE_FORMAT);
      assert.equal(flow.callbackUrl.searchParams.get('state'), flow.state);
      const answer = await redeem(server, web, flow);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(Object.keys(answer.body as object).sort(), [
        'access_token',
        'expires_in',
        'id_token',
        'refresh_token',
        'scope',
        'token_type',
      ]);
      const body = answer.body as Record<string, unknown>;
      // One spelling on the wire for every grant: RFC 6750 §1's "Bearer" (the client libraries above lower-case it).
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, server.config.accessTokenTtl);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.headers.get('pragma'), 'no-cache');
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    });

    test('user access tokens are RFC 9068 JWTs for the user, with client_id, auth_time and scope', async () => {
      const { tokens } = await redeemedOnce();
      const header = decodeProtectedHeader(tokens.access_token);
      assert.equal(header.typ, 'at+jwt');
      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(tokens.access_token, jwks, {
        issuer: server.issuer,
        audience: `${server.issuer}/api`,
        typ: 'at+jwt',
      });
      assert.deepEqual(Object.keys(payload).sort(), [
        'aud',
        'auth_time',
        'client_id',
        'exp',
        'iat',
        'iss',
        'jti',
        'scope',
        'sub',
        'tenant',
      ]);
      assert.equal(payload.sub, userId);
      assert.equal(payload.client_id, web.clientId);
      assert.equal(payload.scope, tokens.scope);
      assert.ok((payload.auth_time as number) <= payload.iat!);
      assert.equal(payload.exp! - payload.iat!, tokens.expires_in);
      const introspected = (await introspect(server, resourceServer, tokens.access_token)).body as Record<string, unknown>;
      assert.equal(introspected.active, true);
      assert.equal(introspected.sub, userId);
      assert.equal(introspected.client_id, web.clientId);
      assert.equal(introspected.scope, tokens.scope);
      assert.equal(introspected.auth_time, payload.auth_time);
    });

    describe('the code is single use', () => {
      test('a replay by the holder is invalid_grant and revokes the access and refresh tokens of the first redemption', async () => {
        const { flow, tokens } = await redeemedOnce();
        assertOAuthError(await redeem(server, web, flow), 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, tokens, false);
      });

      test('a replay also revokes the tokens refreshed from the first redemption', async () => {
        const { flow, tokens } = await redeemedOnce();
        const refreshed = await refresh(server, web, tokens.refresh_token!);
        assert.equal(refreshed.status, 200, refreshed.text);
        assertOAuthError(await redeem(server, web, flow), 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, refreshed.body as Tokens, false);
      });

      test('two concurrent redemptions: one gets tokens, the other invalid_grant, and those tokens end up revoked', async () => {
        const flow = await flowFor(web);
        const answers = await Promise.all([redeem(server, web, flow), redeem(server, web, flow)]);
        const won = answers.filter((answer) => answer.status === 200);
        assert.equal(won.length, 1, answers.map((answer) => answer.text).join('\n'));
        assertOAuthError(answers.find((answer) => answer.status !== 200)!, 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, won[0]!.body as Tokens, false);
      });

      test('a replay with a wrong code_verifier revokes nothing', async () => {
        const { flow, tokens } = await redeemedOnce();
        assertOAuthError(await redeem(server, web, flow, { code_verifier: client.randomPKCECodeVerifier() }), 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, tokens, true);
      });

      test('a replay with a wrong client secret revokes nothing', async () => {
        const { flow, tokens } = await redeemedOnce();
        const answer = await redeem(server, { clientId: web.clientId, clientSecret: `${web.clientSecret}x` }, flow);
        assertOAuthError(answer, 401, 'invalid_client');
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic realm="gatehouse"/);
        await assertTokensUsable(server, web, resourceServer, tokens, true);
      });
    });

    describe('the code is bound to what it was issued for', () => {
      /** The code is refused as `error`, and stays redeemable by its rightful holder afterwards. */
      async function refusedThenRedeemable(flow: CodeFlow, attempt: Promise<Answer>, status: number, error: string) {
        assertOAuthError(await attempt, status, error);
        const rightful = await redeem(server, web, flow);
        assert.equal(rightful.status, 200, `the rightful redemption after a refused one: ${rightful.text}`);
      }

      test('another client gets invalid_grant', async () => {
        const flow = await flowFor(web);
        await refusedThenRedeemable(flow, redeem(server, otherWeb, flow), 400, 'invalid_grant');
      });

      test('a different (registered) redirect_uri is invalid_grant', async () => {
        const flow = await flowFor(web);
        await refusedThenRedeemable(flow, redeem(server, web, flow, { redirect_uri: OTHER_REDIRECT_URI }), 400, 'invalid_grant');
      });

      test('an omitted redirect_uri is invalid_grant when the authorization request had one', async () => {
        const flow = await flowFor(web);
        await refusedThenRedeemable(flow, redeem(server, web, flow, { redirect_uri: undefined }), 400, 'invalid_grant');
      });

      test('a wrong code_verifier is invalid_grant', async () => {
        const flow = await flowFor(web);
        await refusedThenRedeemable(
          flow,
          redeem(server, web, flow, { code_verifier: client.randomPKCECodeVerifier() }),
          400,
          'invalid_grant',
        );
      });

      test('a missing code_verifier is invalid_grant (RFC 7636 §4.6)', async () => {
        const flow = await flowFor(web);
        await refusedThenRedeemable(flow, redeem(server, web, flow, { code_verifier: undefined }), 400, 'invalid_grant');
      });

      test('a malformed code_verifier (too short, bad characters) is invalid_request', async () => {
        const flow = await flowFor(web);
        assertOAuthError(await redeem(server, web, flow, { code_verifier: 'short' }), 400, 'invalid_request');
        await refusedThenRedeemable(flow, redeem(server, web, flow, { code_verifier: `${'a'.repeat(42)}!` }), 400, 'invalid_request');
      });

      test('a public client cannot redeem without PKCE either', async () => {
        const flow = await flowFor(spa);
        assertOAuthError(await redeem(server, spa, flow, { code_verifier: undefined }), 400, 'invalid_grant');
      });
    });

    test('an expired code is invalid_grant', async () => {
      const flow = await flowFor(web);
      const { db } = server.server.gatehouse.store;
      const row = await db
        .selectFrom('authorization_codes')
        .select(['expires_at'])
        .where('code_hash', '=', sha256Hex(flow.code))
        .executeTakeFirstOrThrow();
      assert.ok(row.expires_at - nowSeconds() <= 60, `the code lives ${row.expires_at - nowSeconds()} s`);
      await db
        .updateTable('authorization_codes')
        .set({ expires_at: nowSeconds() - 1 })
        .where('code_hash', '=', sha256Hex(flow.code))
        .execute();
      assertOAuthError(await redeem(server, web, flow), 400, 'invalid_grant');
    });

    test('a code that was never issued is invalid_grant', async () => {
      const flow = await flowFor(web);
      assertOAuthError(await redeem(server, web, flow, { code: 'not-a-code' }), 400, 'invalid_grant');
      assertOAuthError(await redeem(server, web, flow, { code: `gate_ac_${'0'.repeat(49)}` }), 400, 'invalid_grant');
    });

    test('a refresh token comes only with offline or offline_access', async () => {
      for (const [scope, expected] of [
        ['openid profile', false],
        ['openid offline', true],
        ['openid offline_access', true],
      ] as const) {
        const tokens = await tokensFor(server, web, await flowFor(web, scope));
        assert.equal(tokens.scope, scope);
        assert.equal(tokens.refresh_token !== undefined, expected, `${scope}: ${JSON.stringify(tokens)}`);
      }
    });

    describe('revocation (RFC 7009) of a user grant', () => {
      test('revoking the refresh token revokes the access tokens issued from its grant', async () => {
        const config = await discover(server, web);
        const { tokens } = await redeemedOnce();
        await client.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
        await assertTokensUsable(server, web, resourceServer, tokens, false);
      });

      test('a public client revokes its own refresh token with its client_id', async () => {
        const tokens = await tokensFor(server, spa, await flowFor(spa));
        const answer = await revoke(server, undefined, tokens.refresh_token!, { client_id: spa.clientId });
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.text, '');
        await assertTokensUsable(server, spa, resourceServer, tokens, false);
      });

      test('revoking the access token makes introspection and userinfo refuse it', async () => {
        const { tokens } = await redeemedOnce();
        const answer = await revoke(server, web, tokens.access_token);
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual((await introspect(server, resourceServer, tokens.access_token)).body, { active: false });
        const info = await userinfo(server, tokens.access_token);
        assert.equal(info.status, 401);
        assert.deepEqual(Object.keys(info.body as object).sort(), ['error', 'error_description']);
        assert.equal((info.body as { error: string }).error, 'invalid_token');
      });

      test('another client cannot revoke the refresh token', async () => {
        const { tokens } = await redeemedOnce();
        const answer = await revoke(server, otherWeb, tokens.refresh_token!);
        assert.equal(answer.status, 400, answer.text);
        assert.equal(typeof (answer.body as { error?: unknown }).error, 'string');
        await assertTokensUsable(server, web, resourceServer, tokens, true);
      });
    });

    test('discovery describes the authorization code flow and nothing weaker', async () => {
      const config = await discover(server, web);
      const metadata = config.serverMetadata();
      assert.equal(metadata.authorization_endpoint, `${server.issuer}/oauth2/authorize`);
      assert.equal(metadata.userinfo_endpoint, `${server.issuer}/oauth2/userinfo`);
      assert.equal(metadata.end_session_endpoint, `${server.issuer}/oauth2/end-session`);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(metadata.response_types_supported, ['code']);
      assert.deepEqual([...metadata.grant_types_supported!].sort(), ['authorization_code', 'client_credentials', 'refresh_token']);
      assert.ok(!metadata.grant_types_supported!.some((grant) => grant === 'implicit' || grant === 'password'));
      assert.ok(metadata.id_token_signing_alg_values_supported?.includes('RS256'));
      assert.ok(metadata.scopes_supported?.includes('openid'));
      assert.deepEqual(decodeJwt((await tokensFor(server, web, await flowFor(web, 'openid'))).id_token!).iss, metadata.issuer);
    });
  });
}
