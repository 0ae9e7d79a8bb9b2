import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { nowSeconds } from '../src/ports/clock.js';
import { PLATFORM_DEFINITIONS } from '../src/ports/tenants.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { Repositories } from '../src/store/repositories.js';
import { SigningKeyRepository } from '../src/store/signing-keys.js';
import { TENANT_TABLES } from '../src/store/tenants.js';
import { backends } from './helpers/backends.js';
import { storeBeforeMigration } from './helpers/migrations.js';

const MIGRATION = '0014_tenants';

const settings = (tenantId: string) => ({
  tenantId,
  defaultAudience: `https://${tenantId}.example/api`,
  sessionIdleTimeout: 3600,
  signInQuietPeriodMs: 3600_000,
});

for (const backend of backends()) {
  describe(`tenants in the store: migration ${MIGRATION} and tenant-scoped repositories (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('an existing store becomes the default tenant with every row as it was; then tenants are apart', async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);
      const now = nowSeconds();
      await old.insertInto('roles').values({ name: 'reader', description: 'reads', scopes: '["a:read"]', created_at: now }).execute();
      await old.insertInto('apis').values({ identifier: 'https://api.example', name: 'API', scopes: '[]', created_at: now }).execute();
      await old
        .insertInto('users')
        .values({
          id: 'u1',
          username: 'alice',
          password_hash: 'h',
          email_verified: 0,
          roles: '["reader"]',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await old
        .insertInto('signing_keys')
        .values({ kid: 'k1', alg: 'ES256', public_jwk: '{}', private_jwk_sealed: 's', status: 'active', created_at: now })
        .execute();
      await old.insertInto('login_throttle').values({ key: 'signup:1.2.3.4', failures: 2, window_start: now }).execute();
      assert.ok((await migrateToLatest(old)).includes(MIGRATION));

      for (const table of ['roles', 'apis', 'users', 'signing_keys', 'login_throttle'] as const) {
        const rows = await old.selectFrom(table).select('tenant_id').execute();
        assert.deepEqual(
          rows.map((row) => row.tenant_id),
          ['default'],
          `${table}: the row is the default tenant's`,
        );
      }
      const main = new Repositories(store, settings('default'));
      assert.deepEqual(await main.roles.get('reader'), {
        name: 'reader',
        description: 'reads',
        scopes: ['a:read'],
        createdAt: now,
        platform: false,
      });
      assert.equal((await main.users.findByUsername('ALICE'))?.id, 'u1');
      assert.deepEqual(
        (await new SigningKeyRepository(store, 'default').listAll()).map((key) => key.kid),
        ['k1'],
      );
      assert.deepEqual(await main.tenants.get('default'), {
        ...(await main.tenants.get('default'))!,
        id: 'default',
        status: 'active',
        settings: {},
        quotas: {},
        allowedScopes: null,
      });

      // The same role name and username in another tenant; neither tenant sees the other's.
      const acme = new Repositories(store, settings('acme'));
      await acme.roles.create({ name: 'reader', scopes: ['b:read'] });
      await acme.users.create({
        id: 'u2',
        username: 'alice',
        passwordHash: 'h2',
        email: null,
        emailVerified: false,
        name: null,
        roles: [],
      });
      assert.deepEqual((await acme.roles.get('reader'))?.scopes, ['b:read']);
      assert.deepEqual((await main.roles.get('reader'))?.scopes, ['a:read']);
      assert.equal((await acme.users.findByUsername('alice'))?.id, 'u2');
      assert.equal(await acme.users.get('u1'), undefined, "a tenant cannot read another's user by id");
      assert.equal(await main.users.get('u2'), undefined);
      assert.equal(await acme.roles.setScopes('nothing', ['x']), undefined);
      await acme.users.setDisabled('u1', true);
      assert.equal((await main.users.get('u1'))?.disabledAt, null, "a tenant cannot disable another's user");
      assert.equal(await acme.apis.get('https://api.example'), undefined);
      assert.equal(await new SigningKeyRepository(store, 'acme').listAll().then((keys) => keys.length), 0);
    });

    test("the platform's APIs and role templates are read by every tenant and written only as the platform's", async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);
      await migrateToLatest(old);
      const platform = new Repositories(store, settings(PLATFORM_DEFINITIONS));
      await platform.apis.create({ identifier: 'https://corpora.example', name: 'Corpora', scopes: ['corpora:query'] });
      await platform.roles.create({ name: 'query', scopes: ['corpora:query'] });
      const acme = new Repositories(store, settings('acme'));
      const beta = new Repositories(store, settings('beta'));
      for (const tenant of [acme, beta]) {
        assert.deepEqual((await tenant.roles.get('query'))?.platform, true);
        assert.deepEqual(await tenant.roles.scopesOf(['query']), new Map([['query', ['corpora:query']]]));
        assert.equal((await tenant.apis.get('https://corpora.example'))?.platform, true);
        assert.equal(await tenant.roles.count(), 0, "a template is not the tenant's own");
      }
      // A tenant's own role of the same name comes first, for it alone; changing it leaves the template as it was.
      await acme.roles.create({ name: 'query', scopes: ['corpora:query', 'corpora:admin'] });
      assert.deepEqual((await acme.roles.get('query'))?.scopes, ['corpora:query', 'corpora:admin']);
      assert.deepEqual((await beta.roles.get('query'))?.scopes, ['corpora:query']);
      assert.deepEqual(
        (await acme.roles.list()).map((role) => [role.name, role.platform]),
        [['query', false]],
      );
      await beta.roles.setScopes('query', ['nothing']);
      assert.deepEqual((await platform.roles.get('query'))?.scopes, ['corpora:query'], 'a tenant cannot change a template');
    });

    test("purging a tenant deletes every row of it in every table, and nothing of another's", async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);
      await migrateToLatest(old);
      const db = store.db;
      const now = nowSeconds();
      const rowsOf = (tenant_id: string, n: string) => ({
        roles: { tenant_id, name: 'r', description: '', scopes: '[]', created_at: now },
        apis: { tenant_id, identifier: 'https://a', name: 'a', scopes: '[]', created_at: now },
        clients: {
          tenant_id,
          client_id: `c-${n}`,
          name: 'c',
          description: '',
          roles: '[]',
          scopes: '[]',
          grant_types: '[]',
          token_endpoint_auth_method: 'none',
          redirect_uris: '[]',
          post_logout_redirect_uris: '[]',
          access_token_ttl: null,
          secret_hash: null,
          previous_secret_hash: null,
          previous_secret_expires_at: null,
          revoked_at: null,
          created_at: now,
          updated_at: now,
          id_token_signed_response_alg: 'RS256',
          skip_consent: 0,
          introspection: 0,
        },
        revoked_tokens: { tenant_id, jti: `j-${n}`, client_id: 'c', expires_at: now, revoked_at: now },
        signing_keys: {
          tenant_id,
          kid: `k-${n}`,
          alg: 'ES256',
          public_jwk: '{}',
          private_jwk_sealed: null,
          status: 'retired' as const,
          created_at: now,
          retired_at: now,
          publish_until: now,
        },
        users: {
          tenant_id,
          id: `u-${n}`,
          username: 'alice',
          password_hash: 'h',
          email: null,
          email_verified: 0,
          name: null,
          roles: '[]',
          disabled_at: null,
          created_at: now,
          updated_at: now,
        },
        sessions: {
          tenant_id,
          id: `s-${n}`,
          token_hash: `t-${n}`,
          user_id: 'u',
          auth_time: now,
          created_at: now,
          expires_at: now,
          last_seen_at: now,
          ip: '',
          user_agent: '',
          revoked_at: null,
        },
        interactions: { tenant_id, id: `i-${n}`, expires_at: now },
        grants: {
          tenant_id,
          id: `g-${n}`,
          user_id: 'u',
          client_id: 'c',
          scopes: '[]',
          created_at: now,
          revoked_at: null,
          session_id: 's',
          audience: '',
          auth_time: now,
          requested_at: now,
          refresh_token_hash: null,
          refresh_token_issued_at: null,
          rotated_token_hash: null,
          rotated_at: null,
        },
        authorization_codes: {
          tenant_id,
          code_hash: `h-${n}`,
          client_id: 'c',
          user_id: 'u',
          session_id: 's',
          redirect_uri: null,
          code_challenge: 'x',
          scopes: '[]',
          nonce: null,
          audience: '',
          auth_time: now,
          requested_at: now,
          expires_at: now,
          used_at: null,
          grant_id: null,
        },
        refresh_tokens: { tenant_id, token_hash: Buffer.from(`rt-${n}`), grant_id: 'g', expires_at: now },
        grant_access_tokens: { tenant_id, jti: `gj-${n}`, grant_id: 'g', client_id: 'c', expires_at: now },
        consents: { tenant_id, user_id: `u-${n}`, client_id: 'c', audience: '', scopes: '[]', granted_at: now },
        login_throttle: { tenant_id, key: 'k', failures: 1, window_start: now },
        sign_in_delays: { tenant_id, key: 'k', failures: 1, last_failure_ms: 0, previous_failure_ms: 0, claim: 'c' },
        sign_in_devices: { tenant_id, token_hash: `d-${n}`, user_id: 'u', failures: 0, created_at: now, expires_at: now },
        audit_events: {
          tenant_id,
          id: `e-${n}`,
          at: now,
          actor: 'a',
          actor_type: 'system',
          action: 'x',
          target: '',
          ip: '',
          details: '{}',
        },
        members: { tenant_id, user_id: `m-${n}`, role: 'owner', created_at: now, updated_at: now },
        invitations: {
          id: `inv-${n}`,
          tenant_id,
          token_hash: `h-${n}`,
          email: 'a@example.com',
          role: 'viewer',
          invited_by: 'u',
          created_at: now,
          expires_at: now,
          accepted_at: null,
          accepted_by: null,
        },
        setup_codes: { tenant_id, code_hash: `h-${n}`, created_at: now, expires_at: now },
      });
      const repositories = new Repositories(store, settings('default'));
      for (const [tenant, n] of [
        ['acme', '1'],
        ['beta', '2'],
      ] as const) {
        const now2 = nowSeconds();
        await repositories.tenants.create({
          id: tenant,
          name: tenant,
          status: 'active',
          settings: {},
          quotas: {},
          allowedScopes: null,
          createdAt: now2,
          updatedAt: now2,
          suspendedAt: null,
        });
        const rows = rowsOf(tenant, n);
        for (const table of TENANT_TABLES) await (db as any).insertInto(table).values(rows[table]).execute();
      }
      const count = async (tenant: string) => {
        const counts: Record<string, number> = {};
        for (const table of TENANT_TABLES) {
          const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenant}`.execute(
            db,
          );
          counts[table] = Number(row.rows[0]!.n);
        }
        return counts;
      };
      const tables = (await db.introspection.getTables()).map((table) => table.name);
      const notTenants = ['tenants', 'page_keys', 'gatehouse_migrations', 'gatehouse_migrations_lock'];
      assert.deepEqual(
        [...TENANT_TABLES].sort(),
        tables.filter((table) => !notTenants.includes(table)).sort(),
        'the purge knows every table with tenant rows',
      );
      const one = Object.fromEntries(TENANT_TABLES.map((table) => [table, 1]));
      assert.deepEqual(await count('acme'), one);
      await repositories.transaction((tx) => tx.tenants.purge('acme'));
      assert.deepEqual(await count('acme'), Object.fromEntries(TENANT_TABLES.map((table) => [table, 0])));
      assert.deepEqual(await count('beta'), one, "beta's rows stay");
      assert.equal(await repositories.tenants.get('acme'), undefined);
      assert.equal((await repositories.tenants.get('beta'))?.id, 'beta');
    });

    test('the tenant list pages by id and searches ids and names', async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, MIGRATION);
      await migrateToLatest(old);
      const { tenants } = new Repositories(store, settings('default'));
      const now = nowSeconds();
      for (let i = 0; i < 250; i++) {
        const id = `t${String(i).padStart(3, '0')}`;
        await tenants.create({
          id,
          name: i % 50 === 0 ? `Special_${i} Corp` : `Tenant ${i}`,
          status: 'active',
          settings: {},
          quotas: {},
          allowedScopes: null,
          createdAt: now,
          updatedAt: now,
          suspendedAt: null,
        });
      }
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await tenants.list({ limit: 100, ...(after ? { after } : {}) });
        seen.push(...page.tenants.map((tenant) => tenant.id));
        after = page.next;
      } while (after);
      assert.equal(seen.length, 251, 'every tenant once, the default tenant too');
      assert.deepEqual(seen, [...seen].sort());
      assert.deepEqual(
        (await tenants.list({ limit: 10, search: 'special' })).tenants.map((tenant) => tenant.id),
        ['t000', 't050', 't100', 't150', 't200'],
      );
      assert.deepEqual(
        (await tenants.list({ limit: 10, search: 'T24' })).tenants.map((tenant) => tenant.id),
        ['t240', 't241', 't242', 't243', 't244', 't245', 't246', 't247', 't248', 't249'],
      );
      assert.deepEqual((await tenants.list({ limit: 10, search: 'tenant_1' })).tenants, [], '_ is taken literally, not as any character');
      assert.deepEqual(
        (await tenants.list({ limit: 10, search: 'special_5' })).tenants.map((tenant) => tenant.id),
        ['t050'],
        'a name with a literal _ is found by it (SQLite needs ESCAPE for that)',
      );
      assert.deepEqual((await tenants.list({ limit: 10, search: '50%' })).tenants, [], '% is taken literally');
    });
  });
}
