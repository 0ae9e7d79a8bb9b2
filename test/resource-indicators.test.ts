import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { systemActor } from '../src/admin/audit-log.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { adminApi, adminMachine } from './helpers/admin.js';
import { assertErrorCallback, assertErrorPage, assertInteraction, authorizePath, CHALLENGE, callback } from './helpers/authorize.js';
import { backends } from './helpers/backends.js';
import { hiddenFields, type TestBrowser } from './helpers/browser.js';
import {
  assertOAuthError,
  authorize,
  type CodeFlow,
  createAlice,
  discover,
  REDIRECT_URI,
  redeem,
  refresh,
  type Tokens,
  userinfo,
  webApp,
} from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import type { Answer, Credentials } from './helpers/tokens.js';

/** RFC 8707 resource indicators in the user-facing grants: one audience per grant, bounded by the API's scopes. */

const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com/v1';
const UNKNOWN = 'https://unknown.example.com';

for (const backend of backends()) {
  describe(`resource indicators in the code flow, refresh and consent (${backend.name})`, () => {
    let server: TestServer;
    let userId: string;
    let web: Credentials;
    const defaultApi = () => `${server.issuer}/api`;
    const db = () => server.server.gatehouse.store.db;
    const flowFor = (app: Credentials, scope: string, resource?: string, browser?: TestBrowser) =>
      authorize(server, {
        clientId: app.clientId,
        scope,
        ...(resource === undefined ? {} : { params: { resource } }),
        ...(browser ? { browser } : {}),
      });
    const ok = (answer: Answer): Tokens => {
      assert.equal(answer.status, 200, answer.text);
      return answer.body as Tokens;
    };
    const verify = async (accessToken: string, audience: string) =>
      (
        await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`)), {
          issuer: server.issuer,
          audience,
          typ: 'at+jwt',
        })
      ).payload;
    const codeRow = (flow: CodeFlow) =>
      db().selectFrom('authorization_codes').selectAll().where('code_hash', '=', sha256Hex(flow.code)).executeTakeFirstOrThrow();
    const grantsOfWeb = async () => (await db().selectFrom('grants').select('id').where('client_id', '=', web.clientId).execute()).length;

    before(async () => {
      server = await startTestServer(backend);
      userId = await createAlice(server);
      const { management } = server.server.gatehouse;
      await management.apis.createApi({ identifier: ORDERS, name: 'Orders API', scopes: ['orders:read', 'orders:write'] }, systemActor());
      await management.apis.createApi({ identifier: BILLING, name: 'Billing API', scopes: ['billing:pay'] }, systemActor());
      // The app may ask for scopes of both APIs and of the default one; each token carries only its API's.
      web = await webApp(server, 'Web App', { scopes: ['orders:read', 'billing:pay', 'demo:read'] });
    });
    after(() => server.close());

    test('openid-client: a code flow with resource gets tokens for that API, with only the scopes it defines', async () => {
      const config = await discover(server, web);
      const flow = await authorize(server, {
        clientId: web.clientId,
        scope: 'openid offline profile orders:read',
        params: { resource: ORDERS },
        buildUrl: (params) => client.buildAuthorizationUrl(config, params),
      });
      const tokens = await client.authorizationCodeGrant(
        config,
        flow.callbackUrl,
        { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true },
        { resource: ORDERS },
      );
      // The access token is for the Orders API alone: OpenID Connect's scopes went into the grant (the ID token, the
      // refresh token), not into a token the Orders API receives.
      assert.equal(tokens.scope, 'orders:read');
      const claims = await verify(tokens.access_token, ORDERS);
      assert.equal(claims.aud, ORDERS);
      assert.equal(claims.scope, 'orders:read');
      assert.equal(claims.sub, userId);
      assert.equal(tokens.claims()?.aud, web.clientId);
      assert.equal(tokens.claims()?.name, 'Alice');
      assert.match(tokens.refresh_token ?? '', /^gate_rt_/);
      const stored = await codeRow(flow);
      assert.equal(stored.audience, ORDERS);
      assert.deepEqual(JSON.parse(stored.scopes), ['openid', 'offline', 'profile', 'orders:read']);

      // A token for the Orders API is not one for userinfo (RFC 9700 §2.3): it holds no openid.
      const info = await userinfo(server, tokens.access_token);
      assert.equal(info.status, 403, info.text);
      assert.match(info.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal(refreshed.scope, 'orders:read');
      assert.equal((await verify(refreshed.access_token, ORDERS)).scope, 'orders:read');
      assert.equal(refreshed.claims()?.sub, userId);
    });

    test('without resource, the default API: every granted scope, userinfo included', async () => {
      const tokens = ok(await redeem(server, web, await flowFor(web, 'openid profile demo:read')));
      assert.equal(tokens.scope, 'openid profile demo:read');
      assert.equal((await verify(tokens.access_token, defaultApi())).scope, 'openid profile demo:read');
      assert.equal((await userinfo(server, tokens.access_token)).status, 200);
    });

    test('/authorize: a scope the API does not define is invalid_scope; an unregistered resource is invalid_target', async () => {
      const request = (params: Record<string, string | string[]>) =>
        fetch(
          `${server.url}${authorizePath({ client_id: web.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'xyz', ...params })}`,
          {
            redirect: 'manual',
          },
        );
      for (const [scope, resource] of [
        ['openid demo:read', ORDERS],
        ['orders:read billing:pay', ORDERS],
        ['orders:read', BILLING],
      ] as const) {
        assertErrorCallback(callback(await request({ scope, resource }), REDIRECT_URI), 'invalid_scope', server.issuer, 'xyz');
      }
      for (const resource of [UNKNOWN, `${ORDERS}#frag`, 'orders.example.com', [ORDERS, BILLING]]) {
        assertErrorCallback(callback(await request({ scope: 'openid', resource }), REDIRECT_URI), 'invalid_target', server.issuer, 'xyz');
      }
      // The redirect URI is checked first (RFC 6749 §4.1.2.1): an unregistered one is a page, never a redirect.
      await assertErrorPage(
        await request({ scope: 'openid', resource: UNKNOWN, redirect_uri: 'https://evil.example.com/cb' }),
        400,
        'invalid_request',
      );
      // With a scope the API defines, the same request goes on to the sign-in page.
      assertInteraction(await request({ scope: 'openid orders:read', resource: ORDERS }), 'login');
    });

    test('code: a different or unregistered resource is invalid_target, and the code stays redeemable', async () => {
      const flow = await flowFor(web, 'openid orders:read', ORDERS);
      const grantsBefore = await grantsOfWeb();
      for (const resource of [BILLING, UNKNOWN, defaultApi(), `${ORDERS}/other`]) {
        assertOAuthError(await redeem(server, web, flow, { resource }), 400, 'invalid_target');
      }
      // Nothing was written: not the code's use, not a grant.
      const stored = await codeRow(flow);
      assert.equal(stored.used_at, null);
      assert.equal(stored.grant_id, null);
      assert.equal(await grantsOfWeb(), grantsBefore);
      // Repeating the authorization request's resource redeems it, for that API.
      const tokens = ok(await redeem(server, web, flow, { resource: ORDERS }));
      assert.equal(decodeJwt(tokens.access_token).aud, ORDERS);
      assert.equal(tokens.scope, 'orders:read');

      // Omitted, the authorization request's resource applies.
      const implied = ok(await redeem(server, web, await flowFor(web, 'openid orders:read', ORDERS)));
      assert.equal(decodeJwt(implied.access_token).aud, ORDERS);
      // A code for the default API cannot be turned into a token for another.
      const plain = await flowFor(web, 'openid');
      assertOAuthError(await redeem(server, web, plain, { resource: ORDERS }), 400, 'invalid_target');
      assert.equal(decodeJwt(ok(await redeem(server, web, plain, { resource: defaultApi() })).access_token).aud, defaultApi());
    });

    test("refresh: resource may only repeat the grant's; anything else is invalid_target and rotates nothing", async () => {
      const tokens = ok(await redeem(server, web, await flowFor(web, 'openid offline orders:read', ORDERS)));
      const { id: grantId } = await db()
        .selectFrom('grants')
        .select('id')
        .where('refresh_token_hash', '=', sha256Hex(tokens.refresh_token!))
        .executeTakeFirstOrThrow();
      const family = () =>
        db()
          .selectFrom('grants')
          .select(['refresh_token_hash', 'rotated_token_hash', 'rotated_at', 'revoked_at', 'audience'])
          .where('id', '=', grantId)
          .executeTakeFirstOrThrow();
      const before = await family();
      assert.equal(before.audience, ORDERS);
      for (const resource of [BILLING, UNKNOWN, defaultApi()]) {
        assertOAuthError(await refresh(server, web, tokens.refresh_token!, { resource }), 400, 'invalid_target');
      }
      assert.deepEqual(await family(), before);

      const same = ok(await refresh(server, web, tokens.refresh_token!, { resource: ORDERS }));
      assert.equal(decodeJwt(same.access_token).aud, ORDERS);
      assert.equal(same.scope, 'orders:read');
      const omitted = ok(await refresh(server, web, same.refresh_token!));
      assert.equal(decodeJwt(omitted.access_token).aud, ORDERS);
      assert.equal(decodeJwt(omitted.access_token).scope, 'orders:read');

      // A grant for the default API cannot be refreshed into a token for another.
      const plain = ok(await redeem(server, web, await flowFor(web, 'openid offline')));
      assertOAuthError(await refresh(server, web, plain.refresh_token!, { resource: ORDERS }), 400, 'invalid_target');
      assert.equal(decodeJwt(ok(await refresh(server, web, plain.refresh_token!)).access_token).aud, defaultApi());
    });

    test('consent: given at one API it does not cover another; the page names the API, the account page lists each', async () => {
      const app = await webApp(server, 'Consent App', { scopes: ['orders:read', 'billing:pay'] });
      const first = await flowFor(app, 'openid orders:read', ORDERS);
      assert.deepEqual(first.asked, { login: true, consent: true });
      assert.equal((await flowFor(app, 'openid orders:read', ORDERS, first.browser)).asked.consent, false);

      // The same app at the Billing API: the consent page again, naming that API.
      const params = {
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid billing:pay',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        resource: BILLING,
      };
      const target = assertInteraction(await first.browser.get(authorizePath(params)), 'consent');
      const page = await (await first.browser.get(target)).text();
      assert.ok(
        page.includes('It asks for access to <strong>Billing API</strong> <span class="muted">(https://billing.example.com/v1)</span>'),
        page,
      );
      assert.ok(!page.includes('Orders API'));
      const answered = await first.browser.post('/consent', { ...hiddenFields(page, '/consent'), decision: 'allow' });
      assert.ok(callback(answered, REDIRECT_URI, 303).code);
      assert.equal((await flowFor(app, 'openid billing:pay', BILLING, first.browser)).asked.consent, false);
      // Nor does either cover the default API.
      assert.equal((await flowFor(app, 'openid', undefined, first.browser)).asked.consent, true);

      const consents = await server.server.gatehouse.management.users.listConsents(userId);
      assert.deepEqual(
        consents
          .filter((consent) => consent.client_id === app.clientId)
          .map(({ audience, scopes }) => ({ audience, scopes }))
          .sort((a, b) => a.audience.localeCompare(b.audience)),
        [
          { audience: BILLING, scopes: ['openid', 'billing:pay'] },
          { audience: defaultApi(), scopes: ['openid'] },
          { audience: ORDERS, scopes: ['openid', 'orders:read'] },
        ].sort((a, b) => a.audience.localeCompare(b.audience)),
      );
      const account = await (await first.browser.get('/account')).text();
      assert.ok(
        account.includes(
          'At Orders API <span class="muted">(https://orders.example.com)</span>: <span class="muted">openid orders:read</span>',
        ),
        account,
      );
      assert.ok(
        account.includes(
          'At Billing API <span class="muted">(https://billing.example.com/v1)</span>: <span class="muted">openid billing:pay</span>',
        ),
        account,
      );
      assert.ok(account.includes(`At ${defaultApi()}: <span class="muted">openid</span>`), account);
      // Withdrawing ends the app's access at every API.
      await first.browser.post('/account/consents/withdraw', {
        ...hiddenFields(account, '/account/consents/withdraw'),
        client_id: app.clientId,
      });
      assert.deepEqual(
        (await server.server.gatehouse.management.users.listConsents(userId)).filter((consent) => consent.client_id === app.clientId),
        [],
      );
    });

    test("admin API: a user's consents are listed one per app and API, with the audience; OpenAPI documents it", async () => {
      const app = await webApp(server, 'Listed App', { scopes: ['orders:read'] });
      const first = await flowFor(app, 'openid orders:read', ORDERS);
      await flowFor(app, 'openid profile', undefined, first.browser);
      const api = adminApi(server, (await adminMachine(server, 'Consent auditor')).token);
      const answer = await api('GET', `/admin/users/${userId}/consents`);
      assert.equal(answer.status, 200, answer.text);
      const listed = (answer.body as { consents: Record<string, unknown>[] }).consents
        .filter((consent) => consent.client_id === app.clientId)
        .map(({ granted_at, ...consent }) => (assert.equal(typeof granted_at, 'number'), consent));
      assert.deepEqual(
        listed.sort((a, b) => String(a.audience).localeCompare(String(b.audience))),
        [
          { client_id: app.clientId, client_name: 'Listed App', audience: defaultApi(), scopes: ['openid', 'profile'] },
          { client_id: app.clientId, client_name: 'Listed App', audience: ORDERS, scopes: ['openid', 'orders:read'] },
        ].sort((a, b) => a.audience.localeCompare(b.audience)),
      );
      const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: any }> }> }>>;
      };
      const consentList = openapi.paths['/admin/users/{id}/consents']!.get!.responses['200']!.content['application/json']!.schema;
      const consentSchema = consentList.properties.consents.items;
      assert.equal(consentSchema.properties.audience.type, 'string');
      assert.match(consentSchema.properties.audience.description, /RFC 8707/);
      assert.ok(consentSchema.required.includes('audience'));
    });
  });
}
