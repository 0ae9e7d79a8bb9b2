import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { systemActor } from '../src/admin/audit-log.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, type TestBrowser } from './helpers/browser.js';
import {
  assertOAuthError,
  assertTokensUsable,
  authorizationUrl,
  authorize,
  type CodeFlow,
  createAlice,
  discover,
  FULL_SCOPE,
  POST_LOGOUT_URI,
  publicApp,
  REDIRECT_URI,
  redeem,
  refresh,
  SESSION_COOKIE,
  type Tokens,
  tokensFor,
  userinfo,
  webApp,
} from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, type Credentials, getWith, tokenFor } from './helpers/tokens.js';

const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid', 'jti', 'rat', 'azp'];
const PROFILE_CLAIMS = ['name', 'preferred_username', 'updated_at'];
const EMAIL_CLAIMS = ['email', 'email_verified'];
const atHash = (token: string) => createHash('sha256').update(token).digest().subarray(0, 16).toString('base64url');
const errorOf = (answer: Answer) => (answer.body as { error?: string } | undefined)?.error;

for (const backend of backends()) {
  describe(`refresh tokens, ID tokens, userinfo, consent and logout (${backend.name})`, () => {
    let server: TestServer;
    let userId: string;
    let web: Credentials;
    let otherWeb: Credentials;
    let spa: Credentials;
    let resourceServer: Credentials;
    let config: client.Configuration;
    const sessions = () => server.server.gatehouse.sessions;
    const flowFor = (app: Credentials, scope = FULL_SCOPE, browser?: TestBrowser) =>
      authorize(server, { clientId: app.clientId, scope, ...(browser ? { browser } : {}) });
    const tokensOf = async (app: Credentials, scope = FULL_SCOPE) => tokensFor(server, app, await flowFor(app, scope));
    const verifyIdToken = async (idToken: string, audience = web.clientId, alg = 'RS256') =>
      (
        await jwtVerify(idToken, createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`)), {
          issuer: server.issuer,
          audience,
          algorithms: [alg],
        })
      ).payload;
    /** openid-client's code grant, with every check it offers. */
    const codeGrant = (configuration: client.Configuration, flow: CodeFlow) =>
      client.authorizationCodeGrant(configuration, flow.callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    const rejectsWith = (promise: Promise<unknown>, error: string) =>
      assert.rejects(promise, (thrown: { error?: string }) => thrown.error === error);

    before(async () => {
      server = await startTestServer(backend);
      userId = await createAlice(server);
      web = await webApp(server);
      otherWeb = await webApp(server, 'Other Web App');
      spa = await publicApp(server);
      resourceServer = await server.createClient({ name: 'Resource server', introspection: true });
      config = await discover(server, web);
    });
    after(() => server.close());

    describe('refresh_token grant', () => {
      test('every refresh returns a new refresh token, and the old one then fails', async () => {
        const first = await tokensOf(web);
        const raw = await refresh(server, web, first.refresh_token!);
        assert.deepEqual(Object.keys(raw.body as object).sort(), [
          'access_token',
          'expires_in',
          'id_token',
          'refresh_token',
          'scope',
          'token_type',
        ]);
        assert.equal((raw.body as Tokens).token_type, 'Bearer');
        assert.equal(raw.headers.get('cache-control'), 'no-store');
        const second = await client.refreshTokenGrant(config, (raw.body as Tokens).refresh_token!);
        const third = await client.refreshTokenGrant(config, second.refresh_token!);
        assert.equal(new Set([first.refresh_token, (raw.body as Tokens).refresh_token, second.refresh_token, third.refresh_token]).size, 4);
        assert.notEqual(second.access_token, first.access_token);
        assert.deepEqual(second.scope?.split(' ').sort(), FULL_SCOPE.split(' ').sort());
        // Not the one just rotated (a retry within the reuse window), but one whose successor was used since.
        assertOAuthError(await refresh(server, web, (raw.body as Tokens).refresh_token!), 400, 'invalid_grant');
      });

      test('presenting a rotated refresh token revokes the whole family, newest refresh token and access tokens alike', async () => {
        const first = await tokensOf(web);
        const second = (await refresh(server, web, first.refresh_token!)).body as Tokens;
        // Its successor used, the first token can no longer be a retry: it is reuse.
        const third = (await refresh(server, web, second.refresh_token!)).body as Tokens;
        assertOAuthError(await refresh(server, web, first.refresh_token!), 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, first, false);
        await assertTokensUsable(server, web, resourceServer, second, false);
        await assertTokensUsable(server, web, resourceServer, third, false);
      });

      test('a refresh token is bound to its client', async () => {
        const tokens = await tokensOf(web);
        assertOAuthError(await refresh(server, otherWeb, tokens.refresh_token!), 400, 'invalid_grant');
        await assertTokensUsable(server, web, resourceServer, tokens, true);
      });

      test('a refresh may narrow the scope, and the next one without scope gets the grant back', async () => {
        const tokens = await tokensOf(web);
        const narrowed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid email' });
        assert.equal(narrowed.scope, 'openid email');
        assert.equal(decodeJwt(narrowed.access_token).scope, 'openid email');
        assert.deepEqual(await client.fetchUserInfo(config, narrowed.access_token, userId), {
          sub: userId,
          email: 'alice@example.com',
          email_verified: true,
        });
        const restored = await client.refreshTokenGrant(config, narrowed.refresh_token!);
        assert.deepEqual(restored.scope?.split(' ').sort(), FULL_SCOPE.split(' ').sort());
      });

      test('a refresh can never widen the scope (invalid_scope)', async () => {
        const tokens = await tokensOf(web, 'openid offline');
        assertOAuthError(await refresh(server, web, tokens.refresh_token!, { scope: 'openid offline email' }), 400, 'invalid_scope');
        await assertTokensUsable(server, web, resourceServer, tokens, true);
      });

      test('a public client refreshes with rotation', async () => {
        const spaConfig = await discover(server, spa);
        const tokens = await tokensOf(spa);
        const next = await client.refreshTokenGrant(spaConfig, tokens.refresh_token!);
        assert.match(next.refresh_token ?? '', /^gate_rt_/);
        assert.notEqual(next.refresh_token, tokens.refresh_token);
        assert.equal(decodeJwt(next.access_token).client_id, spa.clientId);
        await client.refreshTokenGrant(spaConfig, next.refresh_token!);
        await rejectsWith(client.refreshTokenGrant(spaConfig, tokens.refresh_token!), 'invalid_grant');
      });

      test('a refreshed ID token keeps sub, aud and auth_time, is issued anew and has no nonce', async () => {
        const original = await codeGrant(config, await flowFor(web));
        const initial = original.claims()!;
        await sleep(1100);
        const refreshed = await client.refreshTokenGrant(config, original.refresh_token!);
        const renewed = await verifyIdToken(refreshed.id_token!);
        for (const claim of ['sub', 'aud', 'auth_time', 'azp', 'iss']) assert.deepEqual(renewed[claim], initial[claim], claim);
        assert.ok(renewed.iat! > initial.iat, `iat ${renewed.iat} after ${initial.iat}`);
        assert.notEqual(renewed.jti, initial.jti);
        assert.equal(renewed.nonce, undefined);
        assert.equal(renewed.at_hash, atHash(refreshed.access_token));
      });
    });

    describe('ID tokens', () => {
      test('are RS256 by default, signed by a key of the JWKS, with every claim and a matching at_hash', async () => {
        const flow = await flowFor(web);
        const tokens = await codeGrant(config, flow);
        const header = decodeProtectedHeader(tokens.id_token!);
        assert.equal(header.alg, 'RS256');
        const jwks = (await (await fetch(`${server.issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string; alg?: string }[] };
        assert.ok(
          jwks.keys.some((key) => key.kid === header.kid),
          `kid ${header.kid} is not in the JWKS`,
        );
        const claims = await verifyIdToken(tokens.id_token!);
        for (const claim of ID_TOKEN_CLAIMS) assert.ok(claim in claims, `the ID token lacks ${claim}`);
        assert.equal(claims.sub, userId);
        assert.equal(claims.aud, web.clientId);
        assert.equal(claims.azp, web.clientId);
        assert.equal(claims.nonce, flow.nonce);
        assert.equal(claims.at_hash, atHash(tokens.access_token));
        assert.ok((claims.rat as number) <= claims.iat!, `rat ${claims.rat} after iat ${claims.iat}`);
        assert.ok((claims.auth_time as number) <= claims.iat!);
        assert.equal(claims.exp! - claims.iat!, server.config.idTokenTtl);
        assert.equal(claims.sid, (await sessions().resolve(flow.browser.cookie(SESSION_COOKIE)))?.id);
      });

      test('carry profile claims only with profile, and email only with email', async () => {
        const cases: [string, string[]][] = [
          ['openid', []],
          ['openid profile', PROFILE_CLAIMS],
          ['openid email', EMAIL_CLAIMS],
        ];
        for (const [scope, released] of cases) {
          const tokens = await tokensOf(web, scope);
          const claims: JWTPayload = await verifyIdToken(tokens.id_token!);
          for (const claim of [...PROFILE_CLAIMS, ...EMAIL_CLAIMS])
            assert.equal(claim in claims, released.includes(claim), `${scope}: ${claim}`);
          const info = (await userinfo(server, tokens.access_token)).body as Record<string, unknown>;
          assert.deepEqual(Object.keys(info).sort(), ['sub', ...released].sort(), scope);
        }
      });

      test('a client registered for ES256 gets ES256 ID tokens', async () => {
        const es = await webApp(server, 'ES256 App', { idTokenSignedResponseAlg: 'ES256' });
        const esConfig = await discover(server, es, { id_token_signed_response_alg: 'ES256' });
        const tokens = await codeGrant(esConfig, await flowFor(es));
        assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'ES256');
        assert.equal((await verifyIdToken(tokens.id_token!, es.clientId, 'ES256')).sub, userId);
      });
    });

    describe('userinfo', () => {
      let tokens: Tokens;
      before(async () => {
        tokens = await tokensOf(web);
      });
      const all = () => ({ sub: userId, preferred_username: 'alice', name: 'Alice', email: 'alice@example.com', email_verified: true });
      const withoutUpdatedAt = (body: unknown) => {
        const { updated_at: updatedAt, ...rest } = body as Record<string, unknown>;
        assert.equal(typeof updatedAt, 'number');
        return rest;
      };
      /** RFC 6750 §3: the status, the challenge's error (none when the request had no token) and the body. */
      function assertChallenge(answer: Answer, status: number, error?: string) {
        assert.equal(answer.status, status, answer.text);
        const challenge = answer.headers.get('www-authenticate') ?? '';
        if (error === undefined) {
          assert.equal(challenge, 'Bearer realm="gatehouse"');
        } else {
          assert.match(challenge, new RegExp(`^Bearer realm="gatehouse", error="${error}"`));
          assert.equal(errorOf(answer), error);
        }
        assert.equal(answer.headers.get('cache-control'), 'no-store');
      }

      test('GET with a Bearer token returns sub and the claims of the token’s scopes', async () => {
        const answer = await userinfo(server, tokens.access_token);
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(withoutUpdatedAt(answer.body), all());
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
      });

      test('POST with a Bearer token, and the scheme in lower case, work alike', async () => {
        const post = await fetch(`${server.url}/oauth2/userinfo`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        assert.equal(post.status, 200);
        assert.deepEqual(withoutUpdatedAt(await post.json()), all());
        const lower = await userinfo(server, tokens.access_token, 'bearer');
        assert.deepEqual(withoutUpdatedAt(lower.body), all());
      });

      test('no token: 401 with a bare Bearer challenge', async () => {
        assertChallenge(await getWith(server, '/oauth2/userinfo'), 401);
      });

      test('a token in the query string is not accepted', async () => {
        assertChallenge(await getWith(server, `/oauth2/userinfo?access_token=${tokens.access_token}`), 401);
      });

      test('a bad token: 401 invalid_token', async () => {
        assertChallenge(await userinfo(server, 'not-a-token'), 401, 'invalid_token');
      });

      test('the ID token as bearer: 401 invalid_token', async () => {
        assertChallenge(await userinfo(server, tokens.id_token!), 401, 'invalid_token');
      });

      test('a client_credentials token: 401 invalid_token', async () => {
        assertChallenge(await userinfo(server, await tokenFor(server, resourceServer)), 401, 'invalid_token');
      });

      test('a non-Bearer Authorization header: 400 invalid_request with an RFC 6750 §3 error_description', async () => {
        const answer = await getWith(server, '/oauth2/userinfo', 'Basic YWxpY2U6c2VjcmV0');
        assertChallenge(answer, 400, 'invalid_request');
        const description = /error_description="((?:[^"\\]|\\.)*)"/.exec(answer.headers.get('www-authenticate')!)?.[1] ?? '';
        assert.match(description, /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/, `error_description in the challenge: ${description}`);
        assert.match(String((answer.body as { error_description?: string }).error_description), /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
      });

      test('a user token without openid: 403 insufficient_scope', async () => {
        const answer = await userinfo(server, (await tokensOf(web, 'profile offline')).access_token);
        assertChallenge(answer, 403, 'insufficient_scope');
        assert.match(answer.headers.get('www-authenticate')!, /scope="openid"/);
      });

      test('CORS: any origin, and preflight answered 204', async () => {
        const origin = 'https://spa.example.com';
        const answer = await fetch(`${server.url}/oauth2/userinfo`, {
          headers: { origin, authorization: `Bearer ${tokens.access_token}` },
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get('access-control-allow-origin'), '*');
        const refused = await fetch(`${server.url}/oauth2/userinfo`, { headers: { origin } });
        assert.equal(refused.status, 401);
        assert.equal(refused.headers.get('access-control-allow-origin'), '*', 'the error must be readable by the app too');
        const preflight = await fetch(`${server.url}/oauth2/userinfo`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
        assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);
        assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      });
    });

    describe('consent withdrawal', () => {
      /** A fresh app with one grant from alice; the flow's browser stays signed in. */
      async function granted(name: string) {
        const app = await webApp(server, name);
        const flow = await flowFor(app);
        assert.equal(flow.asked.consent, true);
        return { app, flow, tokens: await tokensFor(server, app, flow) };
      }

      test('through management revokes the grant’s tokens, and the next authorization asks again', async () => {
        const { app, flow, tokens } = await granted('Withdrawn by admin');
        const bystander = await tokensFor(server, web, await flowFor(web, FULL_SCOPE, flow.browser));
        assert.deepEqual(await server.server.gatehouse.management.users.withdrawConsent(userId, app.clientId, systemActor()), {
          withdrawn: true,
          revokedGrants: 1,
        });
        await assertTokensUsable(server, app, resourceServer, tokens, false);
        await assertTokensUsable(server, web, resourceServer, bystander, true);
        const again = await flowFor(app, FULL_SCOPE, flow.browser);
        assert.deepEqual(again.asked, { login: false, consent: true });
      });

      test('a code issued before the withdrawal no longer yields tokens', async () => {
        const { app, flow } = await granted('Withdrawn mid-flow');
        const pending = await flowFor(app, FULL_SCOPE, flow.browser);
        await server.server.gatehouse.management.users.withdrawConsent(userId, app.clientId, systemActor());
        const answer = await redeem(server, app, pending);
        if (answer.status === 200) await assertTokensUsable(server, app, resourceServer, answer.body as Tokens, false);
        else assertOAuthError(answer, 400, 'invalid_grant');
      });

      test('from the account page (CSRF-protected) does the same', async () => {
        const { app, flow, tokens } = await granted('Withdrawn by alice');
        const page = await (await flow.browser.get('/account')).text();
        assert.match(page, /Withdrawn by alice/);
        const fields = hiddenFields(page, '/account/consents/withdraw');
        const forged = await flow.browser.post('/account/consents/withdraw', { client_id: app.clientId, csrf: 'forged' });
        assert.equal(forged.status, 403);
        const answer = await flow.browser.post('/account/consents/withdraw', { ...fields, client_id: app.clientId });
        assert.equal(answer.status, 303);
        assert.equal(location(answer), '/account');
        assert.doesNotMatch(await (await flow.browser.get('/account')).text(), /Withdrawn by alice/);
        await assertTokensUsable(server, app, resourceServer, tokens, false);
        assert.deepEqual((await flowFor(app, FULL_SCOPE, flow.browser)).asked, { login: false, consent: true });
      });
    });

    describe('RP-initiated logout', () => {
      /** A signed-in browser, its session cookie and an ID token of that session. */
      async function signedIn() {
        const flow = await flowFor(web, 'openid');
        const tokens = await codeGrant(config, flow);
        const cookie = flow.browser.cookie(SESSION_COOKIE);
        assert.ok(cookie && (await sessions().resolve(cookie)), 'the browser is signed in');
        return { browser: flow.browser, cookie: cookie!, idToken: tokens.id_token!, accessToken: tokens.access_token };
      }
      /** The browser's session is over: cookie cleared, session ended, and prompt=none says login_required. */
      async function assertSignedOut(browser: TestBrowser, cookie: string, response: Response) {
        assert.ok(
          response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=;`)),
          'the session cookie is cleared',
        );
        assert.equal(browser.cookie(SESSION_COOKIE), undefined);
        assert.equal(await sessions().resolve(cookie), undefined, 'the session has ended on the server');
        const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
        const silent = await browser.get(
          authorizationUrl(server, {
            client_id: web.clientId,
            response_type: 'code',
            redirect_uri: REDIRECT_URI,
            scope: 'openid',
            state: 'silent',
            prompt: 'none',
            code_challenge: challenge,
            code_challenge_method: 'S256',
          }).toString(),
        );
        const callback = new URL(location(silent));
        assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
        assert.equal(callback.searchParams.get('error'), 'login_required');
        assert.equal(callback.searchParams.get('state'), 'silent');
        assert.equal(callback.searchParams.get('iss'), server.issuer);
      }

      test('with the session’s id_token_hint: 303 to the post_logout_redirect_uri with state, signed out', async () => {
        const { browser, cookie, idToken } = await signedIn();
        const url = client.buildEndSessionUrl(config, {
          id_token_hint: idToken,
          post_logout_redirect_uri: POST_LOGOUT_URI,
          state: 'bye-state',
        });
        const response = await browser.get(url.toString());
        assert.equal(response.status, 303);
        assert.equal(location(response), `${POST_LOGOUT_URI}?state=bye-state`);
        await assertSignedOut(browser, cookie, response);
      });

      const refusals = [
        [
          'an unregistered post_logout_redirect_uri',
          /post_logout_redirect_uri is not registered/,
          (idToken: string) => ({ id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:9999/elsewhere', state: 's' }),
        ],
        [
          'an access token as id_token_hint',
          /id_token_hint is not an ID token issued here/,
          (_: string, accessToken: string) => ({ id_token_hint: accessToken, post_logout_redirect_uri: POST_LOGOUT_URI }),
        ],
      ] as const;
      for (const [name, message, params] of refusals) {
        test(`${name}: 400 error page, no redirect, still signed in`, async () => {
          const { browser, cookie, idToken, accessToken } = await signedIn();
          const response = await browser.get(client.buildEndSessionUrl(config, params(idToken, accessToken)).toString());
          assert.equal(response.status, 400);
          assert.equal(response.headers.get('location'), null);
          assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
          assert.match(await response.text(), message);
          assert.ok(await sessions().resolve(cookie), 'still signed in');
        });
      }

      test('without an id_token_hint: a confirmation page whose Sign out button (with CSRF) signs out', async () => {
        const { browser, cookie } = await signedIn();
        const url = client.buildEndSessionUrl(config, { post_logout_redirect_uri: POST_LOGOUT_URI, state: 'confirm-state' });
        const page = await browser.get(url.toString());
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.match(html, /<button type="submit"[^>]*>Sign out<\/button>/);
        assert.match(html, /Web App/);
        assert.ok(await sessions().resolve(cookie), 'nothing happens before the user confirms');
        const fields = hiddenFields(html, '/logout');
        assert.ok(fields.csrf, 'the form carries a CSRF token');
        assert.equal((await browser.post('/logout', { ...fields, csrf: 'forged' })).status, 403);
        assert.ok(await sessions().resolve(cookie), 'a forged confirmation signs nobody out');
        const response = await browser.post('/logout', fields);
        assert.equal(response.status, 303);
        assert.equal(location(response), `${POST_LOGOUT_URI}?state=confirm-state`);
        await assertSignedOut(browser, cookie, response);
      });

      test('an id_token_hint of another session also asks for confirmation', async () => {
        const { idToken } = await signedIn();
        const { browser, cookie } = await signedIn();
        const response = await browser.get(
          client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI }).toString(),
        );
        assert.equal(response.status, 200);
        assert.ok(hiddenFields(await response.text(), '/logout').csrf);
        assert.ok(await sessions().resolve(cookie), 'still signed in');
      });
    });
  });
}
