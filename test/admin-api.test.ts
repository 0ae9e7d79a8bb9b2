import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ClientView, UserView } from '../src/admin/views.js';
import type { SessionSummary } from '../src/management/users.js';
import type { AuditEvent } from '../src/store/audit.js';
import {
  ADMIN_SCOPE,
  type AdminApi,
  adminApi,
  adminMachine,
  assertAdminError,
  assertBearerError,
  auditEvents,
  CONSOLE_CLIENT_ID,
  consoleApp,
  consoleRedirect,
  expectOk,
  loginPage,
  logout,
  signIn,
  silentAuthorization,
} from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import type { TestBrowser } from './helpers/browser.js';
import { assertOAuthError, REDIRECT_URI, redeem, refresh, type Tokens, tokensFor, userinfo } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, introspect, postForm, revoke, tokenFor } from './helpers/tokens.js';

const PASSWORD = 'staple battery horse';
const WRONG_PASSWORD = 'not-the-password-42';
const CLIENT_SECRET = /^gate_cs_[0-9A-Za-z]{49}$/;
const now = () => Math.floor(Date.now() / 1000);
const scopesOf = (tokens: Tokens) => (tokens.scope ?? '').split(' ').sort();

for (const backend of backends()) {
  describe(`admin API over HTTP (${backend.name})`, () => {
    let server: TestServer;
    let machine: Credentials & { token: string };
    let api: AdminApi;
    let web: Credentials;
    /** A resource server: may introspect every client's tokens. */
    let resourceServer: Credentials;
    /** Targets of the changes made below, to find them in the audit log. */
    const ids: Record<string, string> = {};

    const newUser = async (username: string, roles: string[] = []) =>
      (await expectOk<UserView>(api('POST', '/admin/users', { username, password: PASSWORD, roles }), 201, 'user')).id;
    const newClient = (body: Record<string, unknown>) => api('POST', '/admin/clients', body);
    /** `username` signs in to an app (the console unless told) in a browser and redeems the code. */
    async function userTokens(username: string, options: { app?: Credentials; scope?: string; browser?: TestBrowser } = {}) {
      const app = options.app ?? consoleApp;
      const flow = await signIn(server, {
        clientId: app.clientId,
        redirectUri: app === consoleApp ? consoleRedirect(server) : REDIRECT_URI,
        scope: options.scope ?? `openid profile ${ADMIN_SCOPE}`,
        username,
        password: PASSWORD,
        ...(options.browser ? { browser: options.browser } : {}),
      });
      return { flow, tokens: await tokensFor(server, app, flow) };
    }
    const webTokens = (username: string, browser?: TestBrowser) =>
      userTokens(username, { app: web, scope: 'openid profile offline', ...(browser ? { browser } : {}) });
    const inactive = async (token: string) => assert.deepEqual((await introspect(server, resourceServer, token)).body, { active: false });
    const allEvents = () => auditEvents(api);

    before(async () => {
      // The audit test replays a code and a refresh token at once; without the reuse window both are revoking replays.
      server = await startTestServer(backend, { GATEHOUSE_REFRESH_REUSE_WINDOW: '0' });
      machine = await adminMachine(server, 'Ops automation');
      resourceServer = await server.createClient({ name: 'Resource server', introspection: true });
      api = adminApi(server, machine.token);
      await server.createRole('demo-reader', ['demo:read']);
      await server.createRole('orders-reader', ['orders:read']);
      const answer = await newClient({
        name: 'Web App',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [REDIRECT_URI],
      });
      assert.equal(answer.status, 201, answer.text);
      const body = answer.body as { client: ClientView; client_secret: string };
      web = { clientId: body.client.client_id, clientSecret: body.client_secret };
    });
    after(() => server.close());

    // 1. Who may call
    test('no token: 401 with a bare Bearer challenge in realm gatehouse-admin', async () => {
      const answer = await adminApi(server, undefined)('GET', '/admin/clients');
      assert.equal(answer.status, 401);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin"');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal((answer.body as { error?: string }).error, undefined);
    });

    test('a garbage token: 401 invalid_token', async () => {
      assertBearerError(await adminApi(server, 'not.a.jwt')('GET', '/admin/clients'), 401, 'invalid_token');
    });

    test('a client token without gatehouse:admin: 403 insufficient_scope naming the scope', async () => {
      const reader = await server.createClient({ name: 'Reader', roles: ['demo-reader'] });
      const token = await tokenFor(server, reader);
      assert.equal(decodeJwt(token).scope, 'demo:read');
      assertBearerError(await adminApi(server, token)('GET', '/admin/clients'), 403, 'insufficient_scope');
    });

    test('a client with the built-in admin role gets gatehouse:admin and may list clients', async () => {
      assert.equal(decodeJwt(machine.token).scope, ADMIN_SCOPE);
      const clients = await expectOk<ClientView[]>(api('GET', '/admin/clients'), 200, 'clients');
      const me = clients.find((c) => c.client_id === machine.clientId);
      assert.deepEqual([me?.name, me?.roles, me?.status], ['Ops automation', ['admin'], 'active']);
      const console = clients.find((c) => c.client_id === CONSOLE_CLIENT_ID);
      assert.deepEqual([console?.token_endpoint_auth_method, console?.redirect_uris], ['none', [consoleRedirect(server)]]);
    });

    test('a revoked admin client: its token is refused at once, at the admin API, token endpoint and introspection', async () => {
      const doomed = await adminMachine(server, 'Doomed automation');
      const asDoomed = adminApi(server, doomed.token);
      assert.equal((await asDoomed('GET', '/admin/roles')).status, 200);
      const client = await expectOk<ClientView>(api('POST', `/admin/clients/${doomed.clientId}/revoke`), 200, 'client');
      assert.equal(client.status, 'revoked');
      assert.ok(client.revoked_at! >= now() - 5);
      ids.revokedClient = doomed.clientId;
      assertBearerError(await asDoomed('GET', '/admin/roles'), 401, 'invalid_token');
      assertOAuthError(await postForm(server, '/oauth2/token', { grant_type: 'client_credentials' }, doomed), 401, 'invalid_client');
      await inactive(doomed.token);
    });

    test('a token whose jti was revoked at /oauth2/revoke is refused', async () => {
      const token = await tokenFor(server, machine, { scope: ADMIN_SCOPE });
      assert.equal((await adminApi(server, token)('GET', '/admin/keys')).status, 200);
      assert.equal((await revoke(server, machine, token)).status, 200);
      const answer = await adminApi(server, token)('GET', '/admin/keys');
      assertBearerError(answer, 401, 'invalid_token');
      assert.match(answer.headers.get('www-authenticate')!, /revoked/);
    });

    // 2. People and the privileged scope
    test('an admin user signs in to the console (no consent page) and administers with the token', async () => {
      ids.rootUser = await newUser('root', ['admin']);
      const { flow, tokens } = await userTokens('root');
      assert.deepEqual(flow.asked, { login: true, consent: false });
      assert.deepEqual(scopesOf(tokens), [ADMIN_SCOPE, 'openid', 'profile']);
      assert.deepEqual([decodeJwt(tokens.access_token).sub, decodeJwt(tokens.access_token).client_id], [ids.rootUser, CONSOLE_CLIENT_ID]);
      const role = await expectOk<{ name: string }>(
        adminApi(server, tokens.access_token)('POST', '/admin/roles', { name: 'auditors', scopes: ['audit:read'] }),
        201,
        'role',
      );
      assert.equal(role.name, 'auditors');
    });

    test('a user without the admin role: gatehouse:admin is dropped silently, and the admin API answers 403', async () => {
      await newUser('bob');
      const { flow, tokens } = await userTokens('bob');
      assert.deepEqual(flow.asked, { login: true, consent: false });
      assert.equal(tokens.scope, 'openid profile');
      assert.equal(decodeJwt(tokens.access_token).scope, 'openid profile');
      assertBearerError(await adminApi(server, tokens.access_token)('GET', '/admin/users'), 403, 'insufficient_scope');
    });

    const carol: { token?: string; web?: Tokens } = {};
    test('disabling an admin user refuses their existing token at once', async () => {
      ids.carol = await newUser('carol', ['admin']);
      const { flow, tokens } = await userTokens('carol');
      carol.token = tokens.access_token;
      carol.web = (await webTokens('carol', flow.browser)).tokens;
      assert.equal((await adminApi(server, carol.token)('GET', '/admin/users')).status, 200);
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${ids.carol}/disable`), 200, 'user')).status, 'disabled');
      assertBearerError(await adminApi(server, carol.token)('GET', '/admin/users'), 401, 'invalid_token');
      assert.equal((await userinfo(server, carol.web.access_token)).status, 401);
    });

    test('while a user is disabled, introspection reports their access tokens inactive', async () => {
      await inactive(carol.web!.access_token);
    });

    test('enabling a user again does not revive the tokens issued before the disable', async () => {
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${ids.carol}/enable`), 200, 'user')).status, 'active');
      assertOAuthError(await refresh(server, web, carol.web!.refresh_token!), 400, 'invalid_grant');
      assertBearerError(await adminApi(server, carol.token!)('GET', '/admin/users'), 401, 'invalid_token');
    });

    test('a role that loses gatehouse:admin: the old token gets 403 and a refresh no longer carries the scope', async () => {
      await expectOk(api('POST', '/admin/roles', { name: 'ops', scopes: [ADMIN_SCOPE] }), 201, 'role');
      await newUser('dave', ['ops']);
      const portal = (
        await newClient({
          name: 'Ops portal',
          roles: ['admin'],
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [REDIRECT_URI],
        })
      ).body as { client: ClientView; client_secret: string };
      const app = { clientId: portal.client.client_id, clientSecret: portal.client_secret };
      const { flow, tokens } = await userTokens('dave', { app, scope: `openid offline ${ADMIN_SCOPE}` });
      assert.deepEqual([flow.asked.consent, scopesOf(tokens)], [true, [ADMIN_SCOPE, 'offline', 'openid']]);
      assert.equal((await adminApi(server, tokens.access_token)('GET', '/admin/roles')).status, 200);
      assert.deepEqual((await expectOk<{ scopes: string[] }>(api('PATCH', '/admin/roles/ops', { scopes: [] }), 200, 'role')).scopes, []);
      assertBearerError(await adminApi(server, tokens.access_token)('GET', '/admin/roles'), 403, 'insufficient_scope');
      const refreshed = await refresh(server, app, tokens.refresh_token!);
      assert.equal(refreshed.status, 200, refreshed.text);
      const next = refreshed.body as Tokens;
      assert.deepEqual([scopesOf(next), decodeJwt(next.access_token).scope], [['offline', 'openid'], 'openid offline']);
      assertBearerError(await adminApi(server, next.access_token)('GET', '/admin/roles'), 403, 'insufficient_scope');
    });

    // 3. App clients
    test('creating a confidential client: 201 with the secret once; GET and the list never show it', async () => {
      const answer = await newClient({ name: 'Billing', description: 'Sends invoices', roles: ['demo-reader'] });
      const { client, client_secret: secret } = answer.body as { client: ClientView; client_secret: string };
      assert.equal(answer.status, 201, answer.text);
      assert.deepEqual(Object.keys(answer.body as object).sort(), ['client', 'client_secret']);
      assert.match(secret, CLIENT_SECRET);
      assert.deepEqual(
        [
          client.name,
          client.description,
          client.roles,
          client.grant_types,
          client.token_endpoint_auth_method,
          client.status,
          client.redirect_uris,
        ],
        ['Billing', 'Sends invoices', ['demo-reader'], ['client_credentials'], 'client_secret_basic', 'active', []],
      );
      ids.billing = client.client_id;
      ids.billingSecret = secret;
      assert.equal(decodeJwt(await tokenFor(server, { clientId: client.client_id, clientSecret: secret })).scope, 'demo:read');
      const one = await api('GET', `/admin/clients/${client.client_id}`);
      assert.deepEqual(one.body, { client });
      const list = await api('GET', '/admin/clients');
      for (const text of [one.text, list.text])
        assert.ok(!text.includes(secret) && !text.includes('"client_secret"') && !text.includes('hash'), text);
      assert.ok((list.body as { clients: ClientView[] }).clients.some((c) => c.client_id === client.client_id));
    });

    test('a public client has no secret and cannot rotate one', async () => {
      const answer = await newClient({ name: 'SPA', public: true, redirect_uris: ['http://127.0.0.1:5173/cb'] });
      assert.equal(answer.status, 201, answer.text);
      assert.deepEqual(Object.keys(answer.body as object), ['client']);
      const { client } = answer.body as { client: ClientView };
      assert.deepEqual([client.token_endpoint_auth_method, client.grant_types], ['none', ['authorization_code', 'refresh_token']]);
      assertAdminError(await api('POST', `/admin/clients/${client.client_id}/rotate-secret`), 409, 'conflict', /public client/);
    });

    test('PATCH changes name, description, roles and redirect URIs, and validates them', async () => {
      const path = `/admin/clients/${ids.billing}`;
      const changes = {
        name: 'Billing v2',
        description: 'Invoices and refunds',
        roles: ['demo-reader', 'orders-reader'],
        redirect_uris: ['https://billing.example.com/cb', 'http://localhost:8080/cb'],
      };
      const client = await expectOk<ClientView>(api('PATCH', path, changes), 200, 'client');
      assert.deepEqual([client.name, client.description, client.roles, client.redirect_uris], Object.values(changes));
      assert.ok(client.updated_at >= client.created_at);
      assert.equal(
        decodeJwt(await tokenFor(server, { clientId: ids.billing!, clientSecret: ids.billingSecret! })).scope,
        'demo:read orders:read',
      );
      assertAdminError(
        await api('PATCH', path, { redirect_uris: ['http://billing.example.com/cb'] }),
        400,
        'invalid_request',
        /must use https/,
      );
      assertAdminError(
        await api('PATCH', path, { redirect_uris: ['https://billing.example.com/cb#frag'] }),
        400,
        'invalid_request',
        /fragment/,
      );
      assertAdminError(await api('PATCH', path, { roles: ['no-such-role'] }), 400, 'invalid_request', /unknown role: no-such-role/);
      assertAdminError(await api('PATCH', path, {}), 400, 'invalid_request');
      assert.deepEqual((await api('GET', path)).body, { client }, 'a refused change changed the client');
    });

    test('rotate-secret: the old secret works within the grace period; grace_seconds 0 ends it', async () => {
      const answer = await newClient({ name: 'Rotating', roles: ['demo-reader'] });
      const { client, client_secret: first } = answer.body as { client: ClientView; client_secret: string };
      ids.rotating = client.client_id;
      const works = async (secret: string) =>
        (
          await postForm(
            server,
            '/oauth2/token',
            { grant_type: 'client_credentials' },
            { clientId: client.client_id, clientSecret: secret },
          )
        ).status === 200;
      const rotated = await api('POST', `/admin/clients/${client.client_id}/rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      const { client: afterGrace, client_secret: second } = rotated.body as { client: ClientView; client_secret: string };
      assert.match(second, CLIENT_SECRET);
      assert.ok(afterGrace.previous_secret_expires_at! > now());
      assert.deepEqual([await works(first), await works(second)], [true, true]);
      const final = await api('POST', `/admin/clients/${client.client_id}/rotate-secret`, { grace_seconds: 0 });
      const { client: noGrace, client_secret: third } = final.body as { client: ClientView; client_secret: string };
      assert.equal(noGrace.previous_secret_expires_at, null);
      assert.deepEqual([await works(first), await works(second), await works(third)], [false, false, true]);
      assertAdminError(
        await api('POST', `/admin/clients/${client.client_id}/rotate-secret`, { grace_seconds: -1 }),
        400,
        'invalid_request',
      );
    });

    test('validation: a missing name and bad values are 400 invalid_request', async () => {
      assertAdminError(await newClient({}), 400, 'invalid_request', /name/);
      assertAdminError(await newClient({ name: '   ' }), 400, 'invalid_request', /name/);
      assertAdminError(await newClient({ name: 'X', grant_types: ['password'] }), 400, 'invalid_request');
      assertAdminError(
        await newClient({ name: 'X', public: true, grant_types: ['client_credentials'] }),
        400,
        'invalid_request',
        /public client/,
      );
      assertAdminError(await newClient({ name: 'X', grant_types: ['authorization_code'] }), 400, 'invalid_request', /redirect URI/);
      assertAdminError(await api('POST', '/admin/users', { username: 'x' }), 400, 'invalid_request', /password/);
    });

    test('an unknown field is refused with 400, not silently dropped', async () => {
      assertAdminError(await newClient({ name: 'Typo', rolez: ['admin'] }), 400, 'invalid_request', /rolez|additional/);
      assertAdminError(await api('PATCH', `/admin/clients/${ids.billing}`, { nmae: 'x' }), 400, 'invalid_request');
      assertAdminError(await api('POST', `/admin/clients/${ids.billing}/rotate-secret`, { graceSeconds: 0 }), 400, 'invalid_request');
    });

    test('unknown ids: 404 not_found', async () => {
      const unknown = [
        'GET /admin/clients/nope',
        'PATCH /admin/clients/nope',
        'POST /admin/clients/nope/rotate-secret',
        'POST /admin/clients/nope/test-token',
        'POST /admin/clients/nope/revoke',
        'GET /admin/users/nope',
        'POST /admin/users/nope/disable',
        'GET /admin/users/nope/consents',
        'GET /admin/users/nope/sessions',
        'DELETE /admin/users/nope/consents/nope',
        'PATCH /admin/roles/nope',
        'DELETE /admin/sessions/nope',
      ];
      for (const [method, path] of unknown.map((line) => line.split(' ') as [string, string])) {
        const body = method === 'PATCH' ? (path.includes('roles') ? { scopes: [] } : { name: 'x' }) : undefined;
        assertAdminError(await api(method, path, body), 404, 'not_found', /nope/);
      }
    });

    // 4. Roles and APIs
    test('roles: create, list, patch; a duplicate name is 409 conflict', async () => {
      const role = await expectOk<{ name: string; description: string; scopes: string[] }>(
        api('POST', '/admin/roles', { name: 'support', description: 'Help desk', scopes: ['tickets:read', 'tickets:read'] }),
        201,
        'role',
      );
      assert.deepEqual([role.name, role.description, role.scopes], ['support', 'Help desk', ['tickets:read']]);
      const roles = await expectOk<{ name: string; scopes: string[] }[]>(api('GET', '/admin/roles'), 200, 'roles');
      assert.deepEqual(roles.find((r) => r.name === 'admin')?.scopes, [ADMIN_SCOPE]);
      assert.ok(roles.some((r) => r.name === 'support'));
      const patched = await expectOk<{ scopes: string[] }>(
        api('PATCH', '/admin/roles/support', { scopes: ['tickets:read', 'tickets:write'] }),
        200,
        'role',
      );
      assert.deepEqual(patched.scopes, ['tickets:read', 'tickets:write']);
      assertAdminError(await api('POST', '/admin/roles', { name: 'support', scopes: [] }), 409, 'conflict', /exists/);
      assertAdminError(await api('POST', '/admin/roles', { name: 'bad name', scopes: [] }), 400, 'invalid_request');
      assertAdminError(await api('POST', '/admin/roles', { name: 'quoted', scopes: ['a"b'] }), 400, 'invalid_request');
    });

    test('APIs: create, list, and the token endpoint issues tokens for the new resource', async () => {
      const identifier = 'https://orders.example.com';
      const created = await expectOk<{ identifier: string; name: string; scopes: string[] }>(
        api('POST', '/admin/apis', { identifier, name: 'Orders', scopes: ['orders:read'] }),
        201,
        'api',
      );
      assert.deepEqual([created.identifier, created.name, created.scopes], [identifier, 'Orders', ['orders:read']]);
      const list = await api('GET', '/admin/apis');
      assert.equal((list.body as { default: string }).default, `${server.issuer}/api`);
      assert.ok((list.body as { apis: { identifier: string }[] }).apis.some((a) => a.identifier === identifier));
      const app = await server.createClient({ name: 'Orders worker', roles: ['orders-reader', 'demo-reader'] });
      const claims = decodeJwt(await tokenFor(server, app, { resource: identifier }));
      assert.deepEqual([claims.aud, claims.scope], [identifier, 'orders:read']);
      assertAdminError(await api('POST', '/admin/apis', { identifier }), 409, 'conflict');
      assertAdminError(await api('POST', '/admin/apis', { identifier: 'orders' }), 400, 'invalid_request', /absolute URI/);
    });

    // 5. Users
    test('users: create (password never echoed), list, get by id; a duplicate username is 409', async () => {
      const answer = await api('POST', '/admin/users', { username: 'erin', password: PASSWORD, email: 'erin@example.com', name: 'Erin' });
      assert.equal(answer.status, 201, answer.text);
      assert.ok(!answer.text.includes(PASSWORD) && !answer.text.includes('password'), answer.text);
      const { user } = answer.body as { user: UserView };
      ids.erin = user.id;
      assert.deepEqual(
        { ...user, id: '', created_at: 0, updated_at: 0 },
        {
          id: '',
          username: 'erin',
          email: 'erin@example.com',
          email_verified: false,
          name: 'Erin',
          roles: [],
          status: 'active',
          created_at: 0,
          updated_at: 0,
        },
      );
      assert.deepEqual((await api('GET', `/admin/users/${user.id}`)).body, { user });
      const users = await expectOk<UserView[]>(api('GET', '/admin/users'), 200, 'users');
      assert.deepEqual(
        users.find((u) => u.id === user.id),
        user,
      );
      assertAdminError(await api('POST', '/admin/users', { username: 'Erin', password: PASSWORD }), 409, 'conflict', /taken/);
      assertAdminError(await api('POST', '/admin/users', { username: 'frank', password: 'short' }), 400, 'invalid_request', /password/);
    });

    test('disabling a user ends their browser sessions; enabling lets them sign in again', async () => {
      const { flow } = await userTokens('erin');
      assert.ok((await silentAuthorization(server, flow.browser, CONSOLE_CLIENT_ID, consoleRedirect(server))).get('code'));
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${ids.erin}/disable`), 200, 'user')).status, 'disabled');
      assert.equal(
        (await silentAuthorization(server, flow.browser, CONSOLE_CLIENT_ID, consoleRedirect(server))).get('error'),
        'login_required',
      );
      assert.deepEqual(await expectOk(api('GET', `/admin/users/${ids.erin}/sessions`), 200, 'sessions'), []);
      assert.equal(await loginPage(server, 'erin', PASSWORD), 401);
      assert.equal((await expectOk<UserView>(api('POST', `/admin/users/${ids.erin}/enable`), 200, 'user')).status, 'active');
      assert.equal(await loginPage(server, 'erin', PASSWORD), 303);
    });

    // 6. Consents and sessions
    let frankBrowser: TestBrowser;
    test('consents: listed with the client name; withdrawing revokes the grant and its tokens', async () => {
      ids.frank = await newUser('frank');
      const { flow, tokens } = await webTokens('frank');
      frankBrowser = flow.browser;
      assert.deepEqual(flow.asked, { login: true, consent: true });
      const consents = await expectOk<{ client_id: string; client_name: string; audience: string; scopes: string[]; granted_at: number }[]>(
        api('GET', `/admin/users/${ids.frank}/consents`),
        200,
        'consents',
      );
      assert.deepEqual(
        consents.map(({ granted_at, ...rest }) => (assert.ok(granted_at >= now() - 60), rest)),
        [{ client_id: web.clientId, client_name: 'Web App', audience: `${server.issuer}/api`, scopes: ['openid', 'profile', 'offline'] }],
      );
      const path = `/admin/users/${ids.frank}/consents/${web.clientId}`;
      assert.deepEqual((await api('DELETE', path)).body, { withdrawn: true, revoked_grants: 1 });
      await inactive(tokens.access_token);
      assertOAuthError(await refresh(server, web, tokens.refresh_token!), 400, 'invalid_grant');
      assert.deepEqual(await expectOk(api('GET', `/admin/users/${ids.frank}/consents`), 200, 'consents'), []);
      assert.deepEqual((await api('DELETE', path)).body, { withdrawn: false, revoked_grants: 0 });
    });

    test('sessions: the browser session is listed, and DELETE ends it (204)', async () => {
      const sessions = await expectOk<SessionSummary[]>(api('GET', `/admin/users/${ids.frank}/sessions`), 200, 'sessions');
      assert.equal(sessions.length, 1);
      const [session] = sessions;
      assert.deepEqual(
        [session!.ip, typeof session!.user_agent, session!.expires_at > now(), session!.auth_time <= now()],
        ['127.0.0.1', 'string', true, true],
      );
      // Its last use: when it was signed in with, less than the touch interval ago.
      assert.ok(session!.last_seen_at >= session!.created_at && session!.last_seen_at <= now(), JSON.stringify(session));
      ids.session = session!.id;
      const ended = await api('DELETE', `/admin/sessions/${session!.id}`);
      assert.deepEqual([ended.status, ended.text], [204, '']);
      assert.deepEqual(await expectOk(api('GET', `/admin/users/${ids.frank}/sessions`), 200, 'sessions'), []);
      assert.equal((await silentAuthorization(server, frankBrowser, web.clientId, REDIRECT_URI)).get('error'), 'login_required');
    });

    // 7. Signing keys
    test('keys: listed; rotating ES256 makes the next token use the new kid, and old tokens still verify', async () => {
      type Key = { kid: string; alg: string; status: string };
      const keys = await expectOk<Key[]>(api('GET', '/admin/keys'), 200, 'keys');
      const active = (list: Key[], alg: string) => list.find((k) => k.alg === alg && k.status === 'active')!.kid;
      const oldKid = active(keys, 'ES256');
      assert.equal(decodeProtectedHeader(machine.token).kid, oldKid);
      assert.ok(active(keys, 'RS256'));
      const [rotated, ...more] = await expectOk<{ alg: string; kid: string; retired?: string }[]>(
        api('POST', '/admin/keys/rotate', { alg: 'ES256' }),
        200,
        'rotated',
      );
      assert.deepEqual([more.length, rotated!.alg, rotated!.retired], [0, 'ES256', oldKid]);
      ids.kid = rotated!.kid;
      const after = await expectOk<Key[]>(api('GET', '/admin/keys'), 200, 'keys');
      assert.deepEqual(
        [active(after, 'ES256'), after.find((k) => k.kid === oldKid)!.status, active(after, 'RS256')],
        [rotated!.kid, 'retired', active(keys, 'RS256')],
      );
      assert.equal(decodeProtectedHeader(await tokenFor(server, machine, { scope: ADMIN_SCOPE })).kid, rotated!.kid);
      assert.equal((await api('GET', '/admin/keys')).status, 200);
    });

    // 8. The audit log
    test('security events: sign-in, consent, code replay, refresh-token reuse, revocation and logout are recorded', async () => {
      const grace = await newUser('grace');
      assert.equal(await loginPage(server, 'grace', WRONG_PASSWORD), 401);
      const first = await webTokens('grace');
      assertOAuthError(await redeem(server, web, first.flow), 400, 'invalid_grant');
      const second = await webTokens('grace', first.flow.browser);
      assert.equal((await refresh(server, web, second.tokens.refresh_token!)).status, 200);
      assertOAuthError(await refresh(server, web, second.tokens.refresh_token!), 400, 'invalid_grant');
      assert.equal((await logout(first.flow.browser)).status, 200);
      const events = await allEvents();
      const expect = (action: string, actor: string, actorType: string, target: string) =>
        assert.ok(
          events.some((e) => e.action === action && e.actor === actor && e.actor_type === actorType && e.target === target),
          `no ${action} by ${actor} on ${target}`,
        );
      expect('login.failed', 'anonymous', 'anonymous', '');
      expect('login.succeeded', grace, 'user', grace);
      expect('consent.granted', grace, 'user', web.clientId);
      expect('code.replayed', web.clientId, 'client', grace);
      expect('refresh_token.reused', web.clientId, 'client', grace);
      expect('token.revoked', machine.clientId, 'client', machine.clientId);
      assert.ok(
        events.some((e) => e.action === 'logout' && e.actor === grace && e.actor_type === 'user'),
        'no logout',
      );
    });

    test('every admin change is recorded, newest first, with the admin token’s sub as actor', async () => {
      const events = await allEvents();
      for (const event of events) {
        assert.deepEqual(Object.keys(event).sort(), ['action', 'actor', 'actor_type', 'at', 'details', 'id', 'ip', 'target']);
      }
      for (let i = 1; i < events.length; i++)
        assert.ok(events[i - 1]!.id > events[i]!.id && events[i - 1]!.at >= events[i]!.at, 'not newest first');
      const position = (action: string, target: string, actor = machine.clientId, actorType = 'client') => {
        const index = events.findIndex((e) => e.action === action && e.target === target);
        assert.ok(index >= 0, `no ${action} on ${target}`);
        assert.deepEqual([events[index]!.actor, events[index]!.actor_type, events[index]!.ip], [actor, actorType, '127.0.0.1'], action);
        return index;
      };
      const order = [
        position('keys.rotated', ids.kid!),
        position('session.ended', ids.session!),
        position('consent.withdrawn', ids.frank!),
        position('user.disabled', ids.erin!),
        position('user.created', ids.erin!),
        position('role.created', 'support'),
        position('client.secret_rotated', ids.rotating!),
        position('client.created', ids.billing!),
        position('role.created', 'auditors', ids.rootUser!, 'user'),
        position('client.revoked', ids.revokedClient!),
      ];
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        'events are not newest first',
      );
      const withdrawals = events.filter((e) => e.action === 'consent.withdrawn' && e.target === ids.frank).map((e) => e.details);
      assert.deepEqual(withdrawals, [
        { client_id: web.clientId, revoked_grants: 0 },
        { client_id: web.clientId, revoked_grants: 1 },
      ]);
    });

    test('paging: limit and next, before without overlap, limits out of range are 400', async () => {
      const all = await allEvents();
      const first = (await api('GET', '/admin/audit?limit=2')).body as { events: AuditEvent[]; next: string };
      assert.deepEqual([first.events.length, first.next], [2, first.events[1]!.id]);
      const second = (await api('GET', `/admin/audit?limit=2&before=${first.next}`)).body as { events: AuditEvent[]; next: string };
      assert.deepEqual(
        [...first.events, ...second.events].map((e) => e.id),
        all.slice(0, 4).map((e) => e.id),
      );
      for (const limit of ['0', '500', 'ten'])
        assertAdminError(await api('GET', `/admin/audit?limit=${limit}`), 400, 'invalid_request', /limit/);
    });

    test('no audit event holds a secret, token, code or password', async () => {
      const text = JSON.stringify(await allEvents());
      for (const secret of ['gate_cs_', 'gate_rt_', 'gate_ac_', 'eyJ', PASSWORD, WRONG_PASSWORD])
        assert.ok(!text.includes(secret), `the audit log contains ${secret}`);
    });

    // 9. OpenAPI
    test('/openapi.json documents every /admin operation with the bearer gatehouse:admin requirement', async () => {
      const answer = await fetch(`${server.url}/openapi.json`);
      assert.equal(answer.status, 200);
      const doc = (await answer.json()) as {
        paths: Record<string, Record<string, { security?: unknown[]; tags?: string[] }>>;
        components: { securitySchemes: Record<string, unknown> };
      };
      assert.deepEqual(doc.components.securitySchemes.bearer, {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access token issued by this server',
      });
      const admin = Object.entries(doc.paths).filter(([path]) => path.startsWith('/admin'));
      for (const path of [
        '/admin/clients',
        '/admin/clients/{id}/rotate-secret',
        '/admin/users/{id}/consents/{clientId}',
        '/admin/sessions/{id}',
        '/admin/keys/rotate',
        '/admin/audit',
      ]) {
        assert.ok(
          admin.some(([p]) => p === path),
          `${path} is not documented`,
        );
      }
      for (const [path, operations] of admin) {
        for (const [method, operation] of Object.entries(operations)) {
          assert.deepEqual(operation.security?.[0], { bearer: [ADMIN_SCOPE] }, `${method} ${path}`);
          assert.deepEqual(operation.tags, ['admin'], `${method} ${path}`);
        }
      }
    });
  });
}
