import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { systemActor } from '../src/admin/audit-log.js';
import type { Management } from '../src/management/index.js';
import { ManagementError } from '../src/management/validation.js';
import {
  assertErrorCallback,
  assertErrorPage,
  assertInteraction,
  assertPageHeaders,
  authorizePath,
  CHALLENGE,
  callback,
  cookieAttributes,
  decide,
  formPostFields,
  labelledInput,
  type Params,
  setCookie,
  signIn,
  toQuery,
  VERIFIER,
} from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, postForm } from './helpers/tokens.js';

const CB = 'http://127.0.0.1:9999/cb';
const CB2 = 'http://127.0.0.1:9999/cb2';
const PASSWORD = 'correct horse';
const STATE = 'st-0123';

for (const backend of backends()) {
  describe(`authorization endpoint (${backend.name})`, () => {
    let server: TestServer;
    let m: Management;
    let web: Credentials, two: Credentials, loopback: Credentials, revoked: Credentials, credentialsOnly: Credentials;
    let users = 0;

    before(async () => {
      server = await startTestServer(backend);
      m = server.server.gatehouse.management;
      await server.createRole('reader', ['orders:read']);
      const code = { grantTypes: ['authorization_code', 'refresh_token'] };
      web = await server.createClient({ name: 'Web App', roles: ['reader'], ...code, redirectUris: [CB] });
      two = await server.createClient({ ...code, redirectUris: [CB, CB2] });
      loopback = await server.createClient({
        public: true,
        redirectUris: ['http://127.0.0.1/callback', 'http://[::1]/callback', 'http://localhost:3000/cb'],
      });
      revoked = await server.createClient({ ...code, redirectUris: [CB] });
      await m.clients.revokeClient(revoked.clientId, systemActor());
      credentialsOnly = await server.createClient({ grantTypes: ['client_credentials'], redirectUris: [CB] });
    });
    after(() => server.close());

    /** A fresh user, so that no test sees another's consent or failed sign-ins. */
    async function newUser(): Promise<string> {
      const username = `user${++users}`;
      await m.users.createUser({
        username,
        password: PASSWORD,
        email: `${username}@example.com`,
        emailVerified: true,
        name: `User ${users}`,
      });
      return username;
    }
    const base = (): Params => ({
      client_id: web.clientId,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'openid profile',
      state: STATE,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const authorize = (b: TestBrowser, extra: Params = {}) => b.get(authorizePath({ ...base(), ...extra }));
    /** Redeems a code with the verifier, as the web client unless `credentials` is null (a public client). */
    const redeem = (code: string, extra: Record<string, string> = {}, credentials: Credentials | null = web) =>
      postForm(
        server,
        '/oauth2/token',
        { grant_type: 'authorization_code', code, code_verifier: VERIFIER, ...extra },
        credentials ?? undefined,
      );

    /** Authorizes in `b`, signing in as `user` and allowing when asked; returns the callback's parameters. */
    async function authorizeThrough(b: TestBrowser, user: string, extra: Params = {}, redirectUri = CB): Promise<Record<string, string>> {
      let response = await authorize(b, extra);
      let status = 302;
      if (location(response).startsWith('/login')) (response = await signIn(b, location(response), user, PASSWORD)), (status = 303);
      if (location(response).startsWith('/consent')) (response = await decide(b, location(response), 'allow')), (status = 303);
      return callback(response, redirectUri, status);
    }
    /** Exactly code, state (unless null) and iss. */
    const assertCode = (params: Record<string, string>, state: string | null = STATE) => {
      assert.match(params.code ?? '', /^gate_ac_[0-9A-Za-z]{49}$/);
      assert.deepEqual(params, { code: params.code, ...(state === null ? {} : { state }), iss: server.issuer });
    };
    /** A fresh browser and user, signed in and at the consent page of an authorization; returns the page's URL. */
    async function atConsent(extra: Params = {}) {
      const b = new TestBrowser(server.url);
      return {
        b,
        consent: assertInteraction(await signIn(b, location(await authorize(b, extra)), await newUser(), PASSWORD), 'consent', 303),
      };
    }
    /** A browser signed in as a fresh user who has consented to `scope` for the web client. */
    async function consentedBrowser(scope = 'openid profile') {
      const user = await newUser();
      const b = new TestBrowser(server.url);
      assertCode(await authorizeThrough(b, user, { scope }));
      return { user, b };
    }

    describe('errors shown on a page, never redirected', () => {
      const cases: [string, () => Params, string][] = [
        ['unknown client_id', () => ({ client_id: 'no-such-client' }), 'invalid_client'],
        ['missing client_id', () => ({ client_id: undefined }), 'invalid_request'],
        ['revoked client', () => ({ client_id: revoked.clientId }), 'invalid_client'],
        ['unregistered redirect_uri', () => ({ redirect_uri: 'http://127.0.0.1:9999/other' }), 'invalid_request'],
        ['redirect_uri with an extra query', () => ({ redirect_uri: `${CB}?next=/admin` }), 'invalid_request'],
        ['redirect_uri with a fragment', () => ({ redirect_uri: `${CB}#x` }), 'invalid_request'],
        ['missing redirect_uri with two registered', () => ({ client_id: two.clientId, redirect_uri: undefined }), 'invalid_request'],
        ['repeated client_id', () => ({ client_id: [web.clientId, web.clientId] }), 'invalid_request'],
        ['repeated redirect_uri', () => ({ redirect_uri: [CB, CB] }), 'invalid_request'],
        ['unknown client with an unsupported response_type', () => ({ client_id: 'nope', response_type: 'token' }), 'invalid_client'],
      ];
      for (const [name, params, code] of cases) {
        test(name, async () => {
          const response = await authorize(new TestBrowser(server.url), { ...params(), prompt: 'none' });
          await assertErrorPage(response, 400, code, 'This sign-in request cannot be completed');
        });
      }
      test('malformed percent-encoding in the query', async () => {
        const response = await fetch(`${server.url}${authorizePath(base())}&state=%E0%A4%A`, { redirect: 'manual' });
        await assertErrorPage(response, 400, 'invalid_request');
      });
    });

    describe('errors redirected with error, state and iss', () => {
      const cases: [string, Params, string][] = [
        ['missing response_type', { response_type: undefined }, 'invalid_request'],
        ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
        ['response_type=id_token', { response_type: 'id_token' }, 'unsupported_response_type'],
        ['response_type=code id_token', { response_type: 'code id_token' }, 'unsupported_response_type'],
        ['missing code_challenge', { code_challenge: undefined }, 'invalid_request'],
        ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
        ['missing code_challenge_method', { code_challenge_method: undefined }, 'invalid_request'],
        ['unknown code_challenge_method', { code_challenge_method: 'S512' }, 'invalid_request'],
        ['code_challenge too short', { code_challenge: CHALLENGE.slice(1) }, 'invalid_request'],
        ['code_challenge with a character outside base64url', { code_challenge: `${CHALLENGE.slice(1)}+` }, 'invalid_request'],
        ['scope repeated', { scope: ['openid', 'profile'] }, 'invalid_request'],
        ['nonce repeated', { nonce: ['n1', 'n2'] }, 'invalid_request'],
        ['scope the client may not ask', { scope: 'openid orders:write' }, 'invalid_scope'],
        ['request object', { request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
        ['request_uri', { request_uri: 'urn:ietf:params:oauth:request_uri:abc' }, 'request_uri_not_supported'],
        ['response_mode=fragment', { response_mode: 'fragment' }, 'invalid_request'],
        ['prompt=none with login', { prompt: 'none login' }, 'invalid_request'],
        ['prompt=none with consent', { prompt: 'consent none' }, 'invalid_request'],
        ['unknown prompt value', { prompt: 'sometimes' }, 'invalid_request'],
        ['negative max_age', { max_age: '-1' }, 'invalid_request'],
        ['fractional max_age', { max_age: '1.5' }, 'invalid_request'],
        ['non-numeric max_age', { max_age: 'forever' }, 'invalid_request'],
      ];
      for (const [name, params, error] of cases) {
        test(name, async () => {
          assertErrorCallback(callback(await authorize(new TestBrowser(server.url), params), CB), error, server.issuer, STATE);
        });
      }
      test('state repeated: invalid_request, and no state is echoed', async () => {
        assertErrorCallback(
          callback(await authorize(new TestBrowser(server.url), { state: ['a', 'b'] }), CB),
          'invalid_request',
          server.issuer,
        );
      });
      test('a client without the authorization_code grant: unauthorized_client', async () => {
        const response = await authorize(new TestBrowser(server.url), { client_id: credentialsOnly.clientId });
        assertErrorCallback(callback(response, CB), 'unauthorized_client', server.issuer, STATE);
      });
      test('the query of a registered redirect URI is retained as registered (RFC 6749 §3.1.2)', async () => {
        const registered = `${CB}?tenant=acme&next=/home&flag`;
        const { clientId } = await server.createClient({ grantTypes: ['authorization_code'], redirectUris: [registered] });
        const response = await authorize(new TestBrowser(server.url), { client_id: clientId, redirect_uri: registered, prompt: 'none' });
        const { tenant, next, flag, ...rest } = callback(response, registered);
        assert.deepEqual([tenant, next, flag], ['acme', '/home', '']);
        assertErrorCallback(rest, 'login_required', server.issuer, STATE);
      });
      test('a literal "?" inside the query belongs to a value (RFC 3986 §3.4)', async () => {
        const response = await fetch(
          `${server.url}/oauth2/authorize?state=a?b&${toQuery({ ...base(), state: undefined, prompt: 'none' })}`,
          { redirect: 'manual' },
        );
        assertErrorCallback(callback(response, CB), 'login_required', server.issuer, 'a?b');
      });
    });

    test('openid-client: code flow with PKCE, nonce and refresh token; unknown parameters are ignored', async () => {
      const user = await newUser();
      const config = await client.discovery(new URL(server.issuer), web.clientId, web.clientSecret, client.ClientSecretBasic(), {
        execute: [client.allowInsecureRequests],
      });
      const verifier = client.randomPKCECodeVerifier();
      const [state, nonce] = [client.randomState(), client.randomNonce()];
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CB,
        scope: 'openid offline profile email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ui_locales: 'de',
        foo: 'bar',
        claims_locales: 'fr',
      });
      const b = new TestBrowser(server.url);
      const login = assertInteraction(await b.get(url.toString()), 'login');
      const consent = assertInteraction(await signIn(b, login, user, PASSWORD), 'consent', 303);
      assert.equal(consent.slice(-24), login.slice(-24), 'the same interaction continues');
      const response = await decide(b, consent, 'allow');
      assert.deepEqual(Object.keys(callback(response, CB, 303)), ['code', 'state', 'iss']);
      const tokens = await client.authorizationCodeGrant(config, new URL(location(response)), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      assert.ok(tokens.refresh_token);
      assert.deepEqual(tokens.scope?.split(' ').sort(), ['email', 'offline', 'openid', 'profile']);
      const { iss, aud, nonce: claimed } = tokens.claims()!;
      assert.deepEqual([iss, aud, claimed], [server.issuer, web.clientId, nonce]);
    });

    test('one registered redirect URI: redirect_uri may be omitted, and then the code redeems without it', async () => {
      const { user, b } = await consentedBrowser();
      const implied = await authorizeThrough(b, user, { redirect_uri: undefined });
      assertCode(implied);
      assert.equal((await redeem(implied.code!)).status, 200);
      const other = await authorizeThrough(b, user, { redirect_uri: undefined });
      assert.deepEqual(await redeem(other.code!, { redirect_uri: CB2 }).then((r) => [r.status, (r.body as { error: string }).error]), [
        400,
        'invalid_grant',
      ]);
      const given = await authorizeThrough(b, user);
      assert.equal((await redeem(given.code!)).status, 400, 'a code requested with redirect_uri needs it at the token endpoint');
    });

    describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
      const accepted = [
        'http://127.0.0.1:54321/callback',
        'http://127.0.0.1/callback',
        'http://[::1]:1234/callback',
        'http://localhost:3000/cb',
      ];
      for (const uri of accepted) {
        test(`accepts ${uri}`, async () => {
          const response = await authorize(new TestBrowser(server.url), {
            client_id: loopback.clientId,
            redirect_uri: uri,
            prompt: 'none',
          });
          assertErrorCallback(callback(response, uri), 'login_required', server.issuer, STATE);
        });
      }
      const refused = [
        'http://127.0.0.1:54321/other',
        'http://127.0.0.2:54321/callback',
        'https://127.0.0.1:54321/callback',
        'http://[::1]:1234/other',
        'http://127.0.0.1:54321/callback?x=1',
        'http://localhost:4000/cb',
        'http://localhost/cb',
        'http://localhost:3000/callback',
        'http://127.0.0.1:3000/cb',
      ];
      for (const uri of refused) {
        test(`refuses ${uri}`, async () => {
          const response = await authorize(new TestBrowser(server.url), {
            client_id: loopback.clientId,
            redirect_uri: uri,
            prompt: 'none',
          });
          await assertErrorPage(response, 400, 'invalid_request');
        });
      }
      test('a code for a loopback port redeems with that exact redirect_uri', async () => {
        const uri = 'http://127.0.0.1:54321/callback';
        const params = await authorizeThrough(
          new TestBrowser(server.url),
          await newUser(),
          { client_id: loopback.clientId, redirect_uri: uri },
          uri,
        );
        assert.equal((await redeem(params.code!, { client_id: loopback.clientId, redirect_uri: uri }, null)).status, 200);
      });
    });

    describe('management checks redirect URIs', () => {
      for (const uri of ['http://example.com/cb', 'https://app.example.com/cb#frag', 'http://127.0.0.1/cb#', 'javascript:alert(1)']) {
        test(`refuses ${uri}`, async () => {
          await assert.rejects(
            m.clients.createClient({ name: 'Bad', grantTypes: ['authorization_code'], redirectUris: [uri] }, systemActor()),
            ManagementError,
          );
        });
      }
    });

    describe('prompt, max_age and login_hint', () => {
      test('prompt=none without a session: login_required', async () => {
        assertErrorCallback(
          callback(await authorize(new TestBrowser(server.url), { prompt: 'none' }), CB),
          'login_required',
          server.issuer,
          STATE,
        );
      });
      test('prompt=none with a session but no consent: consent_required', async () => {
        const b = new TestBrowser(server.url);
        assert.equal(location(await signIn(b, '/login', await newUser(), PASSWORD)), '/account');
        assertErrorCallback(callback(await authorize(b, { prompt: 'none' }), CB), 'consent_required', server.issuer, STATE);
      });
      test('prompt=none with a session and consent: a code, no pages', async () => {
        const { b } = await consentedBrowser();
        const params = callback(await authorize(b, { prompt: 'none' }), CB);
        assertCode(params);
        assert.equal((await redeem(params.code!, { redirect_uri: CB })).status, 200);
      });
      for (const demand of [{ prompt: 'login' }, { max_age: '0' }]) {
        test(`${toQuery(demand)} with a session: the login page again, not skippable through /consent, then a code (no loop)`, async () => {
          const { user, b } = await consentedBrowser();
          assertCode(callback(await authorize(b, { max_age: '3600' }), CB));
          // No pause: a session signed in this very second must not satisfy max_age=0 (OIDC Core §3.1.2.1).
          if (demand.max_age)
            assertErrorCallback(callback(await authorize(b, { ...demand, prompt: 'none' }), CB), 'login_required', server.issuer, STATE);
          const login = assertInteraction(await authorize(b, demand), 'login');
          const skipped = await b.get(login.replace('/login', '/consent'));
          const fields = () => skipped.text().then((html) => hiddenFields(html, '/consent'));
          const answer = skipped.status === 200 ? await b.post('/consent', { ...(await fields()), decision: 'allow' }) : skipped;
          assert.equal(answer.status, 303, `the consent page answered ${answer.status} ${answer.headers.get('location')}`);
          assert.equal(location(answer), login);
          const signInAt = Math.floor(Date.now() / 1000);
          const params = callback(await signIn(b, login, user, PASSWORD), CB, 303);
          assertCode(params);
          const { id_token: idToken } = (await redeem(params.code!, { redirect_uri: CB })).body as { id_token: string };
          assert.ok(Number(decodeJwt(idToken).auth_time) >= signInAt, 'auth_time is the new sign-in');
        });
      }
      test('prompt=consent with remembered consent: the consent page again', async () => {
        const { b } = await consentedBrowser();
        const consent = assertInteraction(await authorize(b, { prompt: 'consent' }), 'consent');
        assertCode(callback(await decide(b, consent, 'allow'), CB, 303));
      });
      test('login_hint pre-fills the Username input', async () => {
        const b = new TestBrowser(server.url);
        const page = await b.get(assertInteraction(await authorize(b, { login_hint: 'carol"<x>' }), 'login'));
        assert.match(labelledInput(await page.text(), 'Username'), / value="carol&quot;&lt;x&gt;">$/);
      });
    });

    describe('consent', () => {
      test('remembered for the same scopes, asked again for a new one', async () => {
        const { b } = await consentedBrowser();
        assertCode(callback(await authorize(b), CB));
        const consent = assertInteraction(await authorize(b, { scope: 'openid profile email' }), 'consent');
        const html = await (await b.get(consent)).text();
        assert.ok(html.includes('<span class="scope-name">email</span>'));
      });
      test('deny: access_denied with state and iss, and nothing is remembered', async () => {
        const { b, consent } = await atConsent();
        assertErrorCallback(callback(await decide(b, consent, 'deny'), CB, 303), 'access_denied', server.issuer, STATE);
        assertInteraction(await authorize(b), 'consent');
      });
      test('an answered consent cannot be answered again', async () => {
        const { b, consent } = await atConsent();
        const fields = hiddenFields(await (await b.get(consent)).text(), '/consent');
        callback(await b.post('/consent', { ...fields, decision: 'allow' }), CB, 303);
        await assertErrorPage(await b.post('/consent', { ...fields, decision: 'allow' }), 400, 'invalid_request');
      });
    });

    describe('response modes', () => {
      test('form_post: an HTML form to the redirect URI with code, state and iss; nonce-only script; works without JS', async () => {
        const { b } = await consentedBrowser();
        const state = `x"<b>&'y`;
        const fields = await formPostFields(await authorize(b, { response_mode: 'form_post', state }), CB);
        assertCode(fields, state);
        assert.equal((await redeem(fields.code!, { redirect_uri: CB })).status, 200);
        const denied = await authorize(new TestBrowser(server.url), { response_mode: 'form_post', prompt: 'none' });
        assertErrorCallback(await formPostFields(denied, CB), 'login_required', server.issuer, STATE);
      });
      test('response_mode=query is the default; without state none is echoed', async () => {
        const { b } = await consentedBrowser();
        assertCode(callback(await authorize(b, { response_mode: 'query', state: undefined }), CB), null);
      });
    });

    test('POST /oauth2/authorize with a form body works like GET (303 redirects)', async () => {
      const user = await newUser();
      const b = new TestBrowser(server.url);
      const form = (extra: Params) => Object.fromEntries(toQuery({ ...base(), ...extra }));
      const login = assertInteraction(await b.post('/oauth2/authorize', form({})), 'login', 303);
      const consent = assertInteraction(await signIn(b, login, user, PASSWORD), 'consent', 303);
      assertCode(callback(await decide(b, consent, 'allow'), CB, 303));
      assertCode(callback(await b.post('/oauth2/authorize', form({ prompt: 'none' })), CB, 303));
      assertErrorCallback(
        callback(await b.post('/oauth2/authorize', form({ response_type: 'token' })), CB, 303),
        'unsupported_response_type',
        server.issuer,
        STATE,
      );
      await assertErrorPage(await b.post('/oauth2/authorize', form({ client_id: 'nope' })), 400, 'invalid_client');
    });

    describe('security headers and page content', () => {
      test('on the endpoint, its error page, and the login and consent pages', async () => {
        const user = await newUser();
        const b = new TestBrowser(server.url);
        const start = await authorize(b);
        assertPageHeaders(start);
        assertPageHeaders(await authorize(b, { client_id: 'nope' }));
        const loginPage = await b.get(location(start));
        assertPageHeaders(loginPage);
        assert.equal(loginPage.headers.get('cache-control'), 'no-store');
        const loginHtml = await loginPage.text();
        assert.match(labelledInput(loginHtml, 'Username'), /name="username" type="text"/);
        assert.match(labelledInput(loginHtml, 'Password'), /name="password" type="password"/);
        assert.ok(loginHtml.includes('<button type="submit" class="primary">Sign in</button>'));
        assert.ok(loginHtml.includes('to continue to <strong>Web App</strong>'));
        const consent = await b.post('/login', { ...hiddenFields(loginHtml, '/login'), username: user, password: PASSWORD });
        const consentPage = await b.get(location(consent));
        assertPageHeaders(consentPage);
        const html = await consentPage.text();
        assert.ok(html.includes('<h1 id="page-title">Web App wants to access your account</h1>'));
        for (const scope of ['openid', 'profile']) assert.ok(html.includes(`<span class="scope-name">${scope}</span>`), scope);
        assert.match(html, /<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
        assert.match(html, /<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/);
      });
      test('no CORS on /oauth2/authorize, not even for a preflight', async () => {
        const origin = { origin: 'https://evil.example' };
        const url = `${server.url}${authorizePath({ ...base(), prompt: 'none' })}`;
        const preflight = await fetch(url, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } });
        assert.equal(preflight.headers.get('access-control-allow-origin'), null);
        assert.equal(preflight.headers.get('access-control-allow-methods'), null);
        const get = await fetch(url, { headers: origin, redirect: 'manual' });
        assert.equal(get.status, 302);
        assert.equal(get.headers.get('access-control-allow-origin'), null);
      });
    });

    describe('sign-in and CSRF', () => {
      /** A browser on the login page of a fresh authorization: its login URL and the form's hidden fields. */
      async function onLoginPage(b = new TestBrowser(server.url)) {
        const login = assertInteraction(await authorize(b), 'login');
        return { b, login, fields: hiddenFields(await (await b.get(login)).text(), '/login') };
      }
      const assertRefused = async (response: Response) => {
        await assertErrorPage(response, 403, 'invalid_request', 'This form has expired');
        assert.equal(setCookie(response, 'gh_session'), undefined);
      };
      const forgeries: [string, (fields: Record<string, string>) => Record<string, string>, boolean][] = [
        ['without the csrf field', ({ csrf: _csrf, ...rest }) => rest, false],
        ['with a wrong csrf field', (fields) => ({ ...fields, csrf: 'x'.repeat(43) }), false],
        ['from another browser', (fields) => fields, true],
      ];
      for (const [name, forge, otherBrowser] of forgeries) {
        test(`login ${name}: 403, no session`, async () => {
          const { b, fields } = await onLoginPage();
          const poster = otherBrowser ? (await onLoginPage()).b : b;
          await assertRefused(await poster.post('/login', { ...forge(fields), username: await newUser(), password: PASSWORD }));
        });
        test(`consent ${name}: 403, no code`, async () => {
          const { b, consent } = await atConsent();
          const answer = hiddenFields(await (await b.get(consent)).text(), '/consent');
          const poster = otherBrowser ? (await onLoginPage()).b : b;
          await assertRefused(await poster.post('/consent', { ...forge(answer), decision: 'allow' }));
          assertCode(callback(await b.post('/consent', { ...answer, decision: 'allow' }), CB, 303));
        });
      }
      test('an interaction belongs to the browser that started it', async () => {
        const user = await newUser();
        const { login } = await onLoginPage();
        const other = new TestBrowser(server.url);
        await assertErrorPage(await other.get(login), 400, 'invalid_request', 'This sign-in link has expired');
        const ownFields = hiddenFields(await (await other.get('/login')).text(), '/login');
        const response = await other.post('/login', { ...ownFields, interaction: login.slice(-24), username: user, password: PASSWORD });
        await assertErrorPage(response, 400, 'invalid_request', 'This sign-in link has expired');
        assert.equal(setCookie(response, 'gh_session'), undefined);
      });
      test('wrong password and unknown user: the same 401 answer', async () => {
        const user = await newUser();
        const alert = async (username: string) => {
          const { b, fields } = await onLoginPage();
          const response = await b.post('/login', { ...fields, username, password: 'wrong horse' });
          assert.equal(response.status, 401);
          assert.equal(setCookie(response, 'gh_session'), undefined);
          return /<p class="alert" role="alert">([^<]*)<\/p>/.exec(await response.text())?.[1];
        };
        const wrongPassword = await alert(user);
        assert.equal(wrongPassword, 'Incorrect username or password.');
        assert.equal(await alert('nobody-here'), wrongPassword);
      });
    });

    describe('session cookie', () => {
      test('HttpOnly, SameSite=Lax, Path=/', async () => {
        const response = await signIn(new TestBrowser(server.url), '/login', await newUser(), PASSWORD);
        assert.equal(response.status, 303);
        const line = setCookie(response, 'gh_session')!;
        for (const attribute of ['httponly', 'samesite=lax', 'path=/'])
          assert.ok(cookieAttributes(line).includes(attribute), `${attribute} missing in ${line}`);
      });
      test('rotated at every sign-in; the previous session ends', async () => {
        const { user, b } = await consentedBrowser();
        const first = b.cookie('gh_session')!;
        assert.equal(location(await signIn(b, '/login', user, PASSWORD)), '/account');
        const second = b.cookie('gh_session')!;
        assert.notEqual(second, first);
        const withCookie = (value: string) =>
          fetch(`${server.url}${authorizePath({ ...base(), prompt: 'none' })}`, {
            headers: { cookie: `gh_session=${value}` },
            redirect: 'manual',
          });
        assertErrorCallback(callback(await withCookie(first), CB), 'login_required', server.issuer, STATE);
        assertCode(callback(await withCookie(second), CB));
      });
    });
  });
}
