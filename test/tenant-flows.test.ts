import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { systemActor } from '../src/admin/audit-log.js';
import type { TenantGatehouse } from '../src/gatehouse.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, location, TestBrowser } from './helpers/browser.js';
import { authorize, type CodeFlow, FULL_SCOPE, PASSWORD, POST_LOGOUT_URI, REDIRECT_URI, USERNAME } from './helpers/code-flow.js';
import { routesOf } from './helpers/routes.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, basicAuth, type Credentials } from './helpers/tokens.js';

/** The tenants of these tests: the default one (its issuer is the root) and two path-routed ones. */
const TENANTS = ['default', 'acme', 'beta'] as const;
type TenantName = (typeof TENANTS)[number];

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, headers: response.headers, text, body: json && text !== '' ? JSON.parse(text) : undefined };
}

for (const backend of backends()) {
  describe(`tenants: sign-in, consent, code flow and pages per tenant (${backend.name})`, () => {
    let server: TestServer;
    const issuers = {} as Record<TenantName, string>;
    const services = {} as Record<TenantName, TenantGatehouse>;
    const apps = {} as Record<TenantName, Credentials>;
    /** Each tenant's alice: the same username in every tenant, another person (and password) in each. */
    const alice = {} as Record<TenantName, { id: string; password: string }>;

    const post = async (url: string, params: Record<string, string>, credentials?: Credentials) =>
      answer(
        await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(credentials ? { authorization: basicAuth(credentials) } : {}),
          },
          body: new URLSearchParams(params).toString(),
        }),
      );
    const flowIn = (tenant: TenantName, browser?: TestBrowser): Promise<CodeFlow> =>
      authorize(server, {
        issuer: issuers[tenant],
        clientId: apps[tenant].clientId,
        scope: FULL_SCOPE,
        password: alice[tenant].password,
        ...(browser ? { browser } : {}),
      });
    const redeemAt = (tenant: TenantName, flow: CodeFlow, app: Credentials) =>
      post(
        `${issuers[tenant]}/oauth2/token`,
        { grant_type: 'authorization_code', code: flow.code, redirect_uri: flow.redirectUri, code_verifier: flow.verifier },
        app,
      );
    const tokensOf = async (tenant: TenantName, flow: CodeFlow) => {
      const redeemed = await redeemAt(tenant, flow, apps[tenant]);
      assert.equal(redeemed.status, 200, redeemed.text);
      return redeemed.body as { access_token: string; refresh_token: string; id_token: string };
    };

    const apiOf = (tenant: TenantName) => `https://api.${tenant}.example`;
    const documentOf = (tenant: TenantName) => ({
      openapi: '3.1.0',
      info: { title: `${tenant} API`, version: '1.0.0' },
      paths: { '/things': { get: { responses: { '200': { description: 'OK' } } } } },
    });

    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_SIGNUP: 'on' });
      const { gatehouse } = server.server;
      for (const tenant of TENANTS) {
        if (tenant !== 'default') await gatehouse.platform.tenants.create({ id: tenant, name: `${tenant} Inc.` }, systemActor());
        services[tenant] = tenant === 'default' ? gatehouse : (await gatehouse.tenants.open(tenant))!;
        issuers[tenant] = services[tenant].config.issuer;
        const password = `${PASSWORD} of ${tenant}`;
        const user = await services[tenant].management.users.createUser({
          username: USERNAME,
          password,
          email: `alice@${tenant}.example`,
          emailVerified: true,
          name: `Alice of ${tenant}`,
        });
        alice[tenant] = { id: user.id, password };
        const { client: created, clientSecret } = await services[tenant].management.clients.createClient(
          {
            name: `${tenant} web app`,
            grantTypes: ['authorization_code', 'refresh_token'],
            redirectUris: [REDIRECT_URI],
            postLogoutRedirectUris: [POST_LOGOUT_URI],
            introspection: true,
          },
          systemActor(),
        );
        apps[tenant] = { clientId: created.client_id, clientSecret: clientSecret! };
        // An API of its own with an OpenAPI document, which its playground offers and no other's does.
        await services[tenant].management.apis.createApi(
          { identifier: apiOf(tenant), name: `${tenant} API`, scopes: [`${tenant}:read`], openapi: documentOf(tenant) },
          systemActor(),
        );
      }
    });
    after(() => server.close());

    test('openid-client runs the code flow against acme, oauth4webapi against beta, side by side', async () => {
      // openid-client, acme: discovery, authorization URL, callback, ID token checks, userinfo and refresh.
      const acme = await client.discovery(
        new URL(issuers.acme),
        apps.acme.clientId,
        { client_secret: apps.acme.clientSecret },
        client.ClientSecretBasic(),
        { execute: [client.allowInsecureRequests] },
      );
      assert.equal(acme.serverMetadata().authorization_endpoint, `${issuers.acme}/oauth2/authorize`);
      const acmeFlow = await authorize(server, {
        issuer: issuers.acme,
        clientId: apps.acme.clientId,
        scope: FULL_SCOPE,
        password: alice.acme.password,
        buildUrl: (params) => client.buildAuthorizationUrl(acme, params),
      });
      assert.deepEqual(acmeFlow.asked, { login: true, consent: true });
      assert.equal(acmeFlow.callbackUrl.searchParams.get('iss'), issuers.acme, 'RFC 9207: the response names the tenant');
      const acmeTokens = await client.authorizationCodeGrant(acme, acmeFlow.callbackUrl, {
        pkceCodeVerifier: acmeFlow.verifier,
        expectedState: acmeFlow.state,
        expectedNonce: acmeFlow.nonce,
        idTokenExpected: true,
      });
      const acmeId = acmeTokens.claims()!;
      assert.equal(acmeId.iss, issuers.acme);
      assert.equal(acmeId.sub, alice.acme.id);
      const acmeAccess = decodeJwt(acmeTokens.access_token);
      assert.equal(acmeAccess.iss, issuers.acme);
      assert.equal(acmeAccess.tenant, 'acme');
      assert.equal(acmeAccess.aud, `${issuers.acme}/api`);
      const acmeInfo = await client.fetchUserInfo(acme, acmeTokens.access_token, alice.acme.id);
      assert.equal(acmeInfo.name, 'Alice of acme');
      assert.equal(acmeInfo.email, 'alice@acme.example');
      const refreshed = await client.refreshTokenGrant(acme, acmeTokens.refresh_token!);
      assert.equal(decodeJwt(refreshed.access_token).iss, issuers.acme);

      // oauth4webapi, beta.
      const betaIssuer = new URL(issuers.beta);
      const as = await oauth.processDiscoveryResponse(
        betaIssuer,
        await oauth.discoveryRequest(betaIssuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
      );
      const betaClient: oauth.Client = { client_id: apps.beta.clientId };
      const betaAuth = oauth.ClientSecretBasic(apps.beta.clientSecret);
      const betaFlow = await authorize(server, {
        issuer: issuers.beta,
        clientId: apps.beta.clientId,
        scope: FULL_SCOPE,
        password: alice.beta.password,
        buildUrl: (params) => {
          const url = new URL(as.authorization_endpoint!);
          for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
          return url;
        },
      });
      const callback = oauth.validateAuthResponse(as, betaClient, betaFlow.callbackUrl, betaFlow.state);
      const betaResponse = await oauth.authorizationCodeGrantRequest(as, betaClient, betaAuth, callback, REDIRECT_URI, betaFlow.verifier, {
        [oauth.allowInsecureRequests]: true,
      });
      const betaTokens = await oauth.processAuthorizationCodeResponse(as, betaClient, betaResponse, { expectedNonce: betaFlow.nonce });
      const betaId = oauth.getValidatedIdTokenClaims(betaTokens)!;
      assert.equal(betaId.iss, issuers.beta);
      assert.equal(betaId.sub, alice.beta.id);
      assert.notEqual(betaId.sub, acmeId.sub, "beta's alice is not acme's");
      const info = await oauth.processUserInfoResponse(
        as,
        betaClient,
        alice.beta.id,
        await oauth.userInfoRequest(as, betaClient, betaTokens.access_token, { [oauth.allowInsecureRequests]: true }),
      );
      assert.equal(info.email, 'alice@beta.example');
    });

    test("each tenant's pages link, post and redirect under its own base, and set cookies of their own", async () => {
      const browser = new TestBrowser(server.url);
      const flow = await flowIn('acme', browser);
      assert.equal(flow.asked.login, true);
      const names = browser.cookieNames().sort();
      assert.deepEqual(names, ['gh_acme.browser', 'gh_acme.device', 'gh_acme.session'], 'no cookie of the default tenant is set');
      const account = await browser.get('/t/acme/account');
      assert.equal(account.status, 200);
      const page = await account.text();
      assert.match(page, /action="\/t\/acme\/account\/consents\/withdraw"/);
      assert.match(page, /action="\/t\/acme\/logout"/);
      assert.match(page, /href="\/t\/acme\/assets\/gatehouse\.css"/);
      assert.match(page, new RegExp(`${apps.acme.clientId}`), "acme's consent is listed");
      assert.equal((await browser.get('/t/acme/assets/gatehouse.css')).status, 200);
      const signedOut = new TestBrowser(server.url);
      const away = await signedOut.get('/t/acme/account');
      assert.equal(location(away), '/t/acme/login?return_to=/account');
    });

    test('a session of one tenant signs no one in at another, nor is its cookie read there', async () => {
      const browser = new TestBrowser(server.url);
      await flowIn('acme', browser);
      // The same browser goes to beta and to the default tenant: asked to sign in at each.
      const atBeta = await flowIn('beta', browser);
      assert.equal(atBeta.asked.login, true, "acme's session is nobody at beta");
      const atRoot = await flowIn('default', browser);
      assert.equal(atRoot.asked.login, true, "acme's session is nobody at the default tenant");
      // acme's session secret presented under beta's cookie name and the default tenant's: no session there.
      const stolen = browser.cookie('gh_acme.session')!;
      for (const [path, name] of [
        ['/t/beta/account', 'gh_beta.session'],
        ['/account', 'gh_session'],
      ] as const) {
        const response = await fetch(`${server.url}${path}`, { headers: { cookie: `${name}=${stolen}` }, redirect: 'manual' });
        assert.equal(response.status, 303, `${path} with acme's session secret`);
        assert.match(location(response), /\/login\?return_to=\/account$/);
      }
    });

    /**
     * The isolation matrix: for every route a tenant serves, what of acme's a caller brings to another tenant's copy of
     * it, and what that tenant answers. A route added later and missing here fails the coverage test below.
     */
    interface Stolen {
      browser: TestBrowser;
      flow: CodeFlow;
      tokens: { access_token: string; refresh_token: string; id_token: string };
      /** A pending interaction of acme's, open in `browser`. */
      interaction: string;
    }
    type Probe = (other: 'beta' | 'default', stolen: Stolen) => Promise<void>;
    const baseOf = (tenant: TenantName) => new URL(issuers[tenant]).pathname.replace(/\/$/, '');
    const errorOf = (answer: Answer) => (answer.body as { error?: string } | undefined)?.error;
    const page = async (response: Response, status: number, text: RegExp) => {
      assert.equal(response.status, status);
      assert.match(await response.text(), text);
    };
    /** acme's session secret under the other tenant's own cookie name. */
    const sessionCookieAt = (other: 'beta' | 'default', stolen: Stolen) =>
      `${other === 'default' ? 'gh_session' : `gh_${other}.session`}=${stolen.browser.cookie('gh_acme.session')}`;
    const userinfoProbe: Probe = async (other, { tokens }) => {
      for (const method of ['GET', 'POST']) {
        const info = await answer(
          await fetch(`${issuers[other]}/oauth2/userinfo`, { method, headers: { authorization: `Bearer ${tokens.access_token}` } }),
        );
        assert.equal(info.status, 401);
        assert.match(info.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      }
    };
    const authorizeProbe: Probe = async (other, { browser }) => {
      const params = new URLSearchParams({
        client_id: apps.acme.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
      });
      await page(await browser.get(`${issuers[other]}/oauth2/authorize?${params}`), 400, /This sign-in request cannot be completed/);
      await page(
        await browser.post(`${issuers[other]}/oauth2/authorize`, Object.fromEntries(params)),
        400,
        /This sign-in request cannot be completed/,
      );
    };
    const endSessionProbe: Probe = async (other, { tokens }) => {
      const hint = new URLSearchParams({ id_token_hint: tokens.id_token });
      await page(await fetch(`${issuers[other]}/oauth2/end-session?${hint}`), 400, /This sign-out request cannot be completed/);
      const posted = await fetch(`${issuers[other]}/oauth2/end-session`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: hint.toString(),
      });
      await page(posted, 400, /This sign-out request cannot be completed/);
    };
    const interactionPage =
      (path: string) =>
      async (other: 'beta' | 'default', { browser, interaction }: Stolen) => {
        const response = await browser.get(`${baseOf(other)}${path}?interaction=${interaction}`);
        await page(response, 400, /This sign-in link has expired/);
      };
    const interactionForm =
      (path: string) =>
      async (other: 'beta' | 'default', { browser, interaction }: Stolen) => {
        // The other tenant's own form, so its CSRF check passes: what is refused is acme's interaction.
        const form = await (await browser.get(`${baseOf(other)}/login`)).text();
        const { csrf } = hiddenFields(form, `${baseOf(other)}/login`);
        const fields = { csrf: csrf!, interaction, decision: 'allow', username: USERNAME, password: alice.acme.password };
        const response = await browser.post(`${baseOf(other)}${path}`, fields);
        assert.notEqual(response.status, 200);
        assert.notEqual(response.status, 303, `${path} went on with acme's interaction`);
      };
    const PROBES: Record<string, Probe> = {
      'POST /oauth2/token': async (other, { flow, tokens }) => {
        const withAcmeClient = await redeemAt(other, flow, apps.acme);
        assert.equal(withAcmeClient.status, 401, withAcmeClient.text);
        assert.equal(errorOf(withAcmeClient), 'invalid_client');
        assert.equal(errorOf(await redeemAt(other, flow, apps[other])), 'invalid_grant', "acme's code is no code at the other tenant");
        const refreshed = await post(
          `${issuers[other]}/oauth2/token`,
          { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
          apps[other],
        );
        assert.equal(errorOf(refreshed), 'invalid_grant', "acme's refresh token is none at the other tenant");
        const cc = await post(`${issuers[other]}/oauth2/token`, { grant_type: 'client_credentials' }, apps.acme);
        assert.equal(errorOf(cc), 'invalid_client');
      },
      'POST /oauth2/introspect': async (other, { tokens }) => {
        assert.equal(
          errorOf(await post(`${issuers[other]}/oauth2/introspect`, { token: tokens.access_token }, apps.acme)),
          'invalid_client',
        );
        for (const token of [tokens.access_token, tokens.refresh_token]) {
          assert.deepEqual((await post(`${issuers[other]}/oauth2/introspect`, { token }, apps[other])).body, { active: false });
        }
      },
      'POST /oauth2/revoke': async (other, { tokens }) => {
        assert.equal(errorOf(await post(`${issuers[other]}/oauth2/revoke`, { token: tokens.refresh_token }, apps.acme)), 'invalid_client');
        // RFC 7009 §2.2: 200 whatever the token; acme's is untouched (checked after the matrix).
        assert.equal((await post(`${issuers[other]}/oauth2/revoke`, { token: tokens.refresh_token }, apps[other])).status, 200);
      },
      'GET /oauth2/userinfo': userinfoProbe,
      'POST /oauth2/userinfo': userinfoProbe,
      'GET /oauth2/authorize': authorizeProbe,
      'POST /oauth2/authorize': authorizeProbe,
      'GET /oauth2/end-session': endSessionProbe,
      'POST /oauth2/end-session': endSessionProbe,
      'GET /login': interactionPage('/login'),
      'POST /login': async (other, stolen) => {
        await interactionForm('/login')(other, stolen);
        // acme's alice and her password at the other tenant's sign-in: nobody there.
        const form = await (await stolen.browser.get(`${baseOf(other)}/login`)).text();
        const wrong = await stolen.browser.post(`${baseOf(other)}/login`, {
          ...hiddenFields(form, `${baseOf(other)}/login`),
          username: USERNAME,
          password: alice.acme.password,
        });
        await page(wrong, 401, /Incorrect username or password/);
      },
      'GET /signup': interactionPage('/signup'),
      'POST /signup': interactionForm('/signup'),
      'GET /consent': interactionPage('/consent'),
      'POST /consent': interactionForm('/consent'),
      'GET /account': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/account`, {
          headers: { cookie: sessionCookieAt(other, stolen) },
          redirect: 'manual',
        });
        assert.equal(response.status, 303);
        assert.equal(location(response), `${baseOf(other)}/login?return_to=/account`);
      },
      'POST /account/consents/withdraw': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/account/consents/withdraw`, {
          method: 'POST',
          headers: { cookie: sessionCookieAt(other, stolen), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: apps.acme.clientId }).toString(),
          redirect: 'manual',
        });
        await page(response, 403, /This form has expired/);
      },
      'GET /logout': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/logout`, { headers: { cookie: sessionCookieAt(other, stolen) } });
        await page(response, 200, /Signed out/);
      },
      'POST /logout': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/logout`, {
          method: 'POST',
          headers: { cookie: sessionCookieAt(other, stolen), 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        });
        await page(response, 403, /This form has expired/);
      },
      // Only the platform has a first run: a tenant has no setup page, and acme's session opens nothing at the platform's.
      'GET /setup': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/setup`, { headers: { cookie: sessionCookieAt(other, stolen) } });
        if (other === 'beta') await page(response, 404, /There is no page at this address/);
        else await page(response, 200, /<h1 id="page-title">Set up Gatehouse<\/h1>/);
      },
      'POST /setup': async (other, stolen) => {
        const response = await fetch(`${issuers[other]}/setup`, {
          method: 'POST',
          headers: { cookie: sessionCookieAt(other, stolen), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'mallory', password: 'Tq8#vLm2!pZr5wXe' }).toString(),
        });
        if (other === 'beta') await page(response, 404, /There is no page at this address/);
        else await page(response, 403, /This form has expired/);
      },
      'GET /console/config.json': async (other) => {
        // No credential, but an answer of the tenant's own: its console signs in with its own client at its own issuer.
        const settings = (await (await fetch(`${issuers[other]}/console/config.json`)).json()) as { issuer: string; clientId: string };
        assert.equal(settings.issuer, issuers[other]);
        assert.equal(settings.clientId, other === 'default' ? 'gatehouse-console' : `gatehouse-console.${other}`);
        assert.equal(
          (settings as { platform?: boolean }).platform,
          other === 'default',
          "only the default tenant's is the platform's console",
        );
      },
      // The playground offers the tenant's own APIs and the platform's: acme's is not among another tenant's, whose page
      // may not connect to it and which has no document of it.
      'GET /playground/apis.json': async (other) => {
        const { apis } = (await (await fetch(`${issuers[other]}/playground/apis.json`)).json()) as { apis: { id: string }[] };
        assert.deepEqual(
          apis.map((api) => api.id),
          ['gatehouse', 'demo', apiOf(other)],
        );
      },
      'GET /playground/openapi.json': async (other) => {
        const response = await fetch(`${issuers[other]}/playground/openapi.json?api=${encodeURIComponent(apiOf('acme'))}`);
        assert.equal(response.status, 404);
        const own = await fetch(`${issuers[other]}/playground/openapi.json?api=${encodeURIComponent(apiOf(other))}`);
        assert.equal(((await own.json()) as { info: { title: string } }).info.title, `${other} API`);
      },
      'GET /playground/': async (other) => {
        const response = await fetch(`${issuers[other]}/playground/?api=${encodeURIComponent(apiOf('acme'))}`);
        assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /api\.acme\.example/);
        const own = await fetch(`${issuers[other]}/playground/?api=${encodeURIComponent(apiOf(other))}`);
        assert.match(own.headers.get('content-security-policy') ?? '', new RegExp(`connect-src [^;]* https://api\\.${other}\\.example`));
      },
      'GET /playground/config.json': async (other) => {
        const settings = (await (await fetch(`${issuers[other]}/playground/config.json`)).json()) as { issuer: string; client_id: string };
        assert.equal(settings.issuer, issuers[other]);
        assert.equal(settings.client_id, other === 'default' ? 'gatehouse-playground' : `gatehouse-playground.${other}`);
      },
    };
    /** Routes that take no credential at all: public metadata, assets, CORS preflights, and the 405s of wrong methods. */
    const NO_CREDENTIAL = [
      'GET /.well-known/jwks.json',
      'GET /.well-known/oauth-authorization-server',
      'GET /.well-known/openid-configuration',
      'GET /assets/brand.css',
      'GET /assets/favicon.svg',
      'GET /assets/gatehouse.css',
      'GET /favicon.ico',
      'GET /',
      'GET /console',
      'GET /console*',
      'GET /playground',
      'GET /playground/callback',
      ...['/oauth2/token', '/oauth2/revoke', '/oauth2/userinfo'].map((path) => `OPTIONS ${path}`),
      ...['/oauth2/token', '/oauth2/revoke', '/oauth2/introspect'].flatMap((path) =>
        ['GET', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} ${path}`),
      ),
    ];

    test('the isolation matrix names every route a tenant serves, besides its admin API (test/tenant-admin.test.ts)', () => {
      const served = routesOf(server.server.app)
        .filter((route) => route.url.startsWith('/t/:tenant/') && !route.url.startsWith('/t/:tenant/admin/'))
        .map((route) => `${route.method} ${route.url.slice('/t/:tenant'.length)}`)
        .sort();
      assert.deepEqual(served, [...Object.keys(PROBES), ...NO_CREDENTIAL].sort());
    });

    test("acme's client, code, tokens, ID token, interaction, session and user are refused at every route of beta and of the default tenant", async () => {
      const browser = new TestBrowser(server.url);
      const flow = await flowIn('acme', browser);
      const tokens = await tokensOf('acme', await flowIn('acme', browser));
      const stolen: Stolen = { browser, flow, tokens, interaction: '' };
      for (const other of ['beta', 'default'] as const) {
        for (const [route, probe] of Object.entries(PROBES)) {
          // A fresh pending interaction of acme's for each probe: a probe may end the one it was given.
          const started = await browser.get(
            `${issuers.acme}/oauth2/authorize?${new URLSearchParams({
              client_id: apps.acme.clientId,
              response_type: 'code',
              redirect_uri: REDIRECT_URI,
              scope: 'openid',
              prompt: 'login',
              code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
              code_challenge_method: 'S256',
            })}`,
          );
          stolen.interaction = new URL(location(started), server.url).searchParams.get('interaction')!;
          await probe(other, stolen).catch((error: Error) => {
            error.message = `${route} at ${other}: ${error.message}`;
            throw error;
          });
        }
      }
      // After all that, acme's tokens, session and consent are as they were.
      const still = await post(`${issuers.acme}/oauth2/introspect`, { token: tokens.refresh_token }, apps.acme);
      assert.equal((still.body as { active: boolean }).active, true);
      assert.equal((await browser.get('/t/acme/account')).status, 200, "acme's session is intact");
      const consents = await services.acme.consents.listForUser(alice.acme.id);
      assert.ok(
        consents.some((consent) => consent.clientId === apps.acme.clientId),
        "acme's consent is kept",
      );
      for (const other of ['beta', 'default'] as const) {
        assert.equal(
          (await services[other].consents.listForUser(alice.acme.id)).length,
          0,
          `no consent of acme's alice is found through ${other}`,
        );
      }
    });

    test("signing out at one tenant ends that tenant's session only", async () => {
      const browser = new TestBrowser(server.url);
      await flowIn('acme', browser);
      await flowIn('beta', browser);
      const page = await (await browser.get('/t/acme/logout')).text();
      const out = await browser.post('/t/acme/logout', hiddenFields(page, '/t/acme/logout'));
      assert.equal(out.status, 200);
      assert.equal(browser.cookie('gh_acme.session'), undefined);
      assert.equal((await browser.get('/t/acme/account')).status, 303, 'signed out at acme');
      assert.equal((await browser.get('/t/beta/account')).status, 200, 'still signed in at beta');
    });

    test("a tenant's pages show its name, logo and colour; the CSP lets its logo in and nothing else", async () => {
      const { platform } = server.server.gatehouse;
      await platform.tenants.update(
        'beta',
        { settings: { displayName: 'Beta Cloud', logoUrl: 'https://cdn.beta.example/logo.svg', primaryColor: '#AA3300' } },
        systemActor(),
      );
      // The directory rebuilds beta's services when its record changes; the change reaches the pages at once.
      let login: Response | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        login = await fetch(`${server.url}/t/beta/login`);
        if ((await login.clone().text()).includes('Beta Cloud')) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const html = await login!.text();
      assert.match(html, /<title>Sign in · Beta Cloud<\/title>/);
      assert.match(html, /<img class="logo" src="https:\/\/cdn\.beta\.example\/logo\.svg"/);
      assert.match(html, /<link rel="stylesheet" href="\/t\/beta\/assets\/brand\.css\?c=aa3300">/);
      assert.match(login!.headers.get('content-security-policy')!, /img-src 'self' data: https:\/\/cdn\.beta\.example;/);
      const css = await fetch(`${server.url}/t/beta/assets/brand.css?c=aa3300`);
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal(await css.text(), ':root {\n  --accent: #AA3300;\n  --accent-dark: #882900;\n}\n');
      // acme, with no settings, keeps the plain look.
      const acme = await fetch(`${server.url}/t/acme/login`);
      const plain = await acme.text();
      assert.match(plain, /<title>Sign in · Gatehouse<\/title>/);
      assert.doesNotMatch(plain, /brand\.css|class="logo"/);
      assert.match(acme.headers.get('content-security-policy')!, /img-src 'self' data:;/);
    });

    test('an unknown tenant is a 404 page, a suspended one a 403 page, with sign-in closed', async () => {
      const unknown = await fetch(`${server.url}/t/nobody/login`);
      assert.equal(unknown.status, 404);
      assert.match(unknown.headers.get('content-type')!, /^text\/html/);
      const text = await unknown.text();
      assert.match(text, /there is no such tenant here/);
      assert.match(text, /href="\/assets\/gatehouse\.css"/, 'the plain frame, whose stylesheet exists');
      const { platform } = server.server.gatehouse;
      await platform.tenants.create({ id: 'gamma', name: 'Gamma' }, systemActor());
      assert.equal((await fetch(`${server.url}/t/gamma/login`)).status, 200);
      await platform.tenants.suspend('gamma', systemActor());
      try {
        let closed: Response | undefined;
        for (let attempt = 0; attempt < 50; attempt++) {
          closed = await fetch(`${server.url}/t/gamma/login`);
          if (closed.status === 403) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(closed!.status, 403);
        assert.match(await closed!.text(), /this account is suspended/);
        const posted = await fetch(`${server.url}/t/gamma/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'username=alice&password=x',
        });
        assert.equal(posted.status, 403);
      } finally {
        await platform.tenants.delete('gamma', systemActor());
      }
    });
  });
}
