import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import type { ClientView } from '../src/admin/views.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { ClientRepository } from '../src/store/clients.js';
import { GrantRepository } from '../src/store/grants.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { type AdminApi, adminApi, adminMachine, assertAdminError, expectOk } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { eventually, gatehouse, gatehouseJson } from './helpers/cli.js';
import { assertOAuthError, authorize, createAlice, refresh, type Tokens, tokensFor, webApp } from './helpers/code-flow.js';
import { storeBeforeMigration } from './helpers/migrations.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, type Credentials, introspect, postForm, revoke, tokenFor } from './helpers/tokens.js';

/** RFC 7662 §2.2 for a token the caller may not see: exactly this body, not cacheable. */
function assertInactive(answer: Answer): void {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.text, '{"active":false}');
  assert.equal(answer.headers.get('cache-control'), 'no-store');
}

const activeBody = (answer: Answer): Record<string, unknown> => {
  assert.equal(answer.status, 200, answer.text);
  assert.equal((answer.body as { active: boolean }).active, true, answer.text);
  return answer.body as Record<string, unknown>;
};

for (const backend of backends()) {
  describe(`introspection: who may see which token (RFC 7662 §4), and refresh tokens (${backend.name})`, () => {
    let server: TestServer;
    let userId: string;
    /** A machine client whose tokens are introspected. */
    let app: Credentials;
    /** A confidential client that is neither the token's client nor a resource server. */
    let stranger: Credentials;
    let resourceServer: Credentials;
    let web: Credentials;
    let otherWeb: Credentials;
    let api: AdminApi;
    const userTokens = async (client = web): Promise<Tokens> =>
      tokensFor(server, client, await authorize(server, { clientId: client.clientId, scope: 'openid offline' }));
    const db = () => server.server.gatehouse.store.db;
    /** The stored rows behind a refresh token: its own and its family's (the grant). */
    const storedRefresh = async (refreshToken: string) => {
      const found = await db()
        .selectFrom('refresh_tokens')
        .innerJoin('grants', 'grants.id', 'refresh_tokens.grant_id')
        .select(['refresh_tokens.expires_at', 'grants.id', 'grants.refresh_token_issued_at', 'grants.auth_time'])
        .where('refresh_tokens.token_hash', '=', Buffer.from(sha256Hex(refreshToken), 'hex'))
        .executeTakeFirstOrThrow();
      return {
        expiresAt: Number(found.expires_at),
        grantId: found.id,
        issuedAt: Number(found.refresh_token_issued_at),
        authTime: Number(found.auth_time),
      };
    };

    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read']);
      userId = await createAlice(server);
      app = await server.createClient({ name: 'Billing', roles: ['reader'] });
      stranger = await server.createClient({ name: 'Stranger', roles: ['reader'] });
      resourceServer = await server.createClient({ name: 'Orders API', introspection: true });
      web = await webApp(server);
      otherWeb = await webApp(server, 'Other Web App');
      api = adminApi(server, (await adminMachine(server, 'Ops automation')).token);
    });
    after(() => server.close());

    describe('access tokens', () => {
      test('a client that is neither the token\'s client nor a resource server gets exactly {"active":false}', async () => {
        const token = await tokenFor(server, app);
        const claims = decodeJwt(token);
        for (const hint of [undefined, 'access_token', 'refresh_token']) {
          assertInactive(await introspect(server, stranger, token, hint === undefined ? {} : { token_type_hint: hint }));
        }
        const described = {
          active: true,
          scope: 'demo:read',
          client_id: app.clientId,
          sub: app.clientId,
          aud: `${server.issuer}/api`,
          iss: server.issuer,
          exp: claims.exp,
          iat: claims.iat,
          jti: claims.jti,
          token_type: 'Bearer',
        };
        // The token's own client and a resource server see it, and the stranger's question changed nothing.
        assert.deepEqual(activeBody(await introspect(server, app, token)), described);
        assert.deepEqual(activeBody(await introspect(server, resourceServer, token)), described);
      });

      test("a user's access token: its client and a resource server see it, another app does not", async () => {
        const tokens = await userTokens();
        assertInactive(await introspect(server, otherWeb, tokens.access_token));
        assertInactive(await introspect(server, stranger, tokens.access_token));
        for (const caller of [web, resourceServer]) {
          const body = activeBody(await introspect(server, caller, tokens.access_token));
          assert.deepEqual([body.sub, body.client_id, body.scope], [userId, web.clientId, tokens.scope]);
        }
      });

      test('oauth4webapi: a resource server reads the token, a stranger learns only active: false', async () => {
        const issuer = new URL(server.issuer);
        const options = { [oauth.allowInsecureRequests]: true };
        const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
        assert.equal(as.introspection_endpoint, `${server.issuer}/oauth2/introspect`);
        assert.deepEqual(as.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
        const token = await tokenFor(server, app);
        const ask = async (caller: Credentials) => {
          const client: oauth.Client = { client_id: caller.clientId };
          const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(caller.clientSecret), token, options);
          return oauth.processIntrospectionResponse(as, client, response);
        };
        const seen = await ask(resourceServer);
        const described = [seen.active, seen.client_id, seen.sub, seen.scope, seen.token_type];
        assert.deepEqual(described, [true, app.clientId, app.clientId, 'demo:read', 'Bearer']);
        assert.deepEqual(await ask(stranger), { active: false });
      });

      test('a public client still cannot introspect at all', async () => {
        const spa = await server.createClient({ name: 'SPA', public: true, redirectUris: ['http://127.0.0.1:9999/cb'] });
        const answer = await postForm(server, '/oauth2/introspect', { token: await tokenFor(server, app), client_id: spa.clientId });
        assertOAuthError(answer, 401, 'invalid_client');
      });
    });

    describe('refresh tokens', () => {
      test('its own client sees its data, without token_type Bearer; every other client gets {"active":false}', async () => {
        const tokens = await userTokens();
        const stored = await storedRefresh(tokens.refresh_token!);
        assert.equal(stored.expiresAt - stored.issuedAt, server.config.refreshTokenTtl);
        const described = {
          active: true,
          scope: 'openid offline',
          client_id: web.clientId,
          sub: userId,
          iss: server.issuer,
          exp: stored.expiresAt,
          iat: stored.issuedAt,
          auth_time: stored.authTime,
        };
        // §2.1: the hint is only a hint; a wrong one or none finds the refresh token all the same.
        for (const hint of [undefined, 'refresh_token', 'access_token', 'something_else']) {
          const answer = await introspect(server, web, tokens.refresh_token!, hint === undefined ? {} : { token_type_hint: hint });
          assert.deepEqual(activeBody(answer), described, `token_type_hint ${hint}`);
          assert.equal(answer.headers.get('cache-control'), 'no-store');
        }
        for (const caller of [otherWeb, stranger, resourceServer]) assertInactive(await introspect(server, caller, tokens.refresh_token!));
        // Asking changed nothing: the refresh token still rotates.
        assert.equal((await refresh(server, web, tokens.refresh_token!)).status, 200);
      });

      test('after rotation the old token is inactive (also inside the reuse window) and the new one active', async () => {
        const first = await userTokens();
        const answer = await refresh(server, web, first.refresh_token!);
        assert.equal(answer.status, 200, answer.text);
        const second = answer.body as Tokens;
        assertInactive(await introspect(server, web, first.refresh_token!));
        const body = activeBody(await introspect(server, web, second.refresh_token!));
        const stored = await storedRefresh(second.refresh_token!);
        assert.deepEqual([body.client_id, body.sub, body.exp, body.iat], [web.clientId, userId, stored.expiresAt, stored.issuedAt]);
        // Introspecting the retired token is no reuse: the family lives on.
        assert.equal((await refresh(server, web, second.refresh_token!)).status, 200);
      });

      test('a refresh token revoked at /oauth2/revoke is inactive', async () => {
        const tokens = await userTokens();
        activeBody(await introspect(server, web, tokens.refresh_token!));
        assert.equal((await revoke(server, web, tokens.refresh_token!)).status, 200);
        assertInactive(await introspect(server, web, tokens.refresh_token!));
        assertInactive(await introspect(server, resourceServer, tokens.access_token));
      });

      test('when reuse revokes the family, its newest refresh token is inactive', async () => {
        const first = await userTokens();
        const second = (await refresh(server, web, first.refresh_token!)).body as Tokens;
        const third = (await refresh(server, web, second.refresh_token!)).body as Tokens;
        activeBody(await introspect(server, web, third.refresh_token!));
        assertOAuthError(await refresh(server, web, first.refresh_token!), 400, 'invalid_grant');
        assertInactive(await introspect(server, web, third.refresh_token!));
        const { grantId } = await storedRefresh(third.refresh_token!);
        const grant = await db().selectFrom('grants').select('revoked_at').where('id', '=', grantId).executeTakeFirstOrThrow();
        assert.notEqual(grant.revoked_at, null);
      });

      test('an expired refresh token is inactive', async () => {
        const tokens = await userTokens();
        const { grantId } = await storedRefresh(tokens.refresh_token!);
        const past = Math.floor(Date.now() / 1000) - 1;
        await db().updateTable('refresh_tokens').set({ expires_at: past }).where('grant_id', '=', grantId).execute();
        assertInactive(await introspect(server, web, tokens.refresh_token!));
      });

      test('a well-formed refresh token this server never issued is inactive', async () => {
        const tokens = await userTokens();
        const body = tokens.refresh_token!.slice('gate_rt_'.length, -6);
        const changed = `${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}`;
        assertInactive(await introspect(server, web, `gate_rt_${changed}${tokens.refresh_token!.slice(-6)}`));
      });
    });

    describe('the resource-server right', () => {
      test('admin API: off by default, set on create, changed by PATCH, refused for a public client', async () => {
        const plain = await expectOk<ClientView>(api('POST', '/admin/clients', { name: 'Plain' }), 201, 'client');
        assert.equal(plain.introspection, false);
        const answer = await api('POST', '/admin/clients', { name: 'Inventory API', introspection: true });
        assert.equal(answer.status, 201, answer.text);
        const { client, client_secret: secret } = answer.body as { client: ClientView; client_secret: string };
        assert.equal(client.introspection, true);
        assert.deepEqual(await expectOk<ClientView>(api('GET', `/admin/clients/${client.client_id}`), 200, 'client'), client);
        const inventory = { clientId: client.client_id, clientSecret: secret };
        const token = await tokenFor(server, app);
        assert.equal(activeBody(await introspect(server, inventory, token)).client_id, app.clientId);

        const path = `/admin/clients/${client.client_id}`;
        const changed = await expectOk<ClientView>(api('PATCH', path, { introspection: false }), 200, 'client');
        assert.equal(changed.introspection, false);
        assertInactive(
          await eventually(
            () => introspect(server, inventory, token),
            (a) => a.text === '{"active":false}',
          ),
        );
        // Its own tokens it still reads.
        assert.equal(activeBody(await introspect(server, inventory, await tokenFor(server, inventory))).client_id, client.client_id);
        // What the store holds, as a new process (the CLI) reads it.
        assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', client.client_id)).introspection, false);
        assert.equal((await expectOk<ClientView>(api('PATCH', path, { introspection: true }), 200, 'client')).introspection, true);
        assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', client.client_id)).introspection, true);

        const spaFields = { name: 'SPA', public: true, redirect_uris: ['http://127.0.0.1:9999/cb'] };
        const publicRefused = (answer: Answer) => assertAdminError(answer, 400, 'invalid_request', /public client/);
        publicRefused(await api('POST', '/admin/clients', { ...spaFields, introspection: true }));
        const spa = await expectOk<ClientView>(api('POST', '/admin/clients', spaFields), 201, 'client');
        publicRefused(await api('PATCH', `/admin/clients/${spa.client_id}`, { introspection: true }));
        assertAdminError(await api('PATCH', `/admin/clients/${spa.client_id}`, { introspection: 'yes' }), 400, 'invalid_request');
      });

      test('CLI: clients create --introspection, clients update --no-introspection, and the server follows', async () => {
        const created = await gatehouseJson<ClientView & { client_secret: string }>(
          server.env,
          'clients',
          'create',
          '--name',
          'Reports API',
          '--introspection',
        );
        assert.equal(created.introspection, true);
        const reports = { clientId: created.client_id, clientSecret: created.client_secret };
        const token = await tokenFor(server, app);
        const seen = await eventually(
          () => introspect(server, reports, token),
          (a) => (a.body as { active?: boolean }).active === true,
        );
        assert.equal(activeBody(seen).client_id, app.clientId);
        const text = await gatehouse(server.env, 'clients', 'get', created.client_id);
        assert.match(text.stdout, /introspects: +any client's access tokens \(resource server\)/);

        const updated = await gatehouseJson<ClientView>(server.env, 'clients', 'update', created.client_id, '--no-introspection');
        assert.equal(updated.introspection, false);
        assertInactive(
          await eventually(
            () => introspect(server, reports, token),
            (a) => a.text === '{"active":false}',
          ),
        );
        assert.equal((await gatehouseJson<ClientView>(server.env, 'clients', 'get', created.client_id)).introspection, false);
        assert.match((await gatehouse(server.env, 'clients', 'get', created.client_id)).stdout, /introspects: +its own tokens only/);

        const plain = await gatehouseJson<ClientView>(server.env, 'clients', 'create', '--name', 'Plain CLI client');
        assert.equal(plain.introspection, false);
        const spaArgs = ['--name', 'SPA', '--public', '--redirect-uris', 'http://127.0.0.1:9999/cb'];
        const refused = await gatehouse(server.env, 'clients', 'create', ...spaArgs, '--introspection');
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /public client/);
        const nothing = await gatehouse(server.env, 'clients', 'update', created.client_id);
        assert.equal(nothing.code, 1);
        assert.match(nothing.stderr, /nothing to change/);
      });
    });
  });
}

/** Migration 0008_introspection_rights on a store that has clients and a refresh-token family already. */
for (const backend of backends()) {
  describe(`migration 0008_introspection_rights (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('every existing client keeps its settings and starts without the right; live families keep working', async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, '0008_introspection_rights');
      const now = Math.floor(Date.now() / 1000);
      const client = {
        client_id: 'billing',
        name: 'Billing',
        description: 'Sends invoices',
        roles: '["reader"]',
        scopes: '["demo:read"]',
        grant_types: '["client_credentials","refresh_token"]',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: '[]',
        access_token_ttl: 600,
        secret_hash: sha256Hex('secret'),
        previous_secret_hash: null,
        previous_secret_expires_at: null,
        revoked_at: null,
        created_at: now - 100,
        updated_at: now - 50,
        post_logout_redirect_uris: '[]',
        id_token_signed_response_alg: 'RS256',
        skip_consent: 0,
      };
      await old.insertInto('clients').values(client).execute();
      const live = sha256Hex('live refresh token');
      await old
        .insertInto('grants')
        .values({
          id: 'g1',
          user_id: 'alice',
          client_id: 'billing',
          scopes: '["offline"]',
          created_at: now - 60,
          revoked_at: null,
          session_id: 's1',
          audience: 'https://api',
          auth_time: now - 60,
          requested_at: now - 61,
          refresh_token_hash: live,
          rotated_token_hash: null,
          rotated_at: null,
        })
        .execute();
      await old
        .insertInto('refresh_tokens')
        .values({ token_hash: Buffer.from(live, 'hex'), grant_id: 'g1', expires_at: now + 3600 })
        .execute();

      assert.ok((await migrateToLatest(old)).includes('0008_introspection_rights'));

      const migrated = await new ClientRepository(store, DEFAULT_TENANT).get('billing');
      assert.ok(migrated);
      const { name, description, roles, scopes, accessTokenTtl, secretHash, introspection } = migrated;
      assert.deepEqual(
        [name, description, roles, scopes, accessTokenTtl, secretHash, introspection],
        ['Billing', 'Sends invoices', ['reader'], ['demo:read'], 600, sha256Hex('secret'), false],
      );
      const found = await new GrantRepository(store, DEFAULT_TENANT).findRefreshToken(live);
      const seen = [found?.family.liveTokenHash, found?.expiresAt, found?.issuedAt];
      assert.deepEqual(seen, [live, now + 3600, undefined], 'when it was issued was never recorded');
    });
  });
}
