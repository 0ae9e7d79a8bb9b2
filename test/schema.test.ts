import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { nowSeconds } from '../src/ports/clock.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { openStore, type Store, storeOptionsOf } from '../src/store/database.js';
import { GrantRepository } from '../src/store/grants.js';
import { MIGRATION_NAMES, migrateToLatest } from '../src/store/migrations.js';
import type { Database } from '../src/store/schema.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv } from './helpers/cli.js';
import { storeBeforeMigration } from './helpers/migrations.js';

/**
 * schema.ts against the tables the migrations really create (issue 10, item 7). TypeScript types are gone at run time,
 * so the expectation is a list the compiler checks against schema.ts: every table and column of `Database` must be in
 * it and nothing else, each with its nullability (`T | null` there is `'… | null'` here), and the test checks the list
 * against the database, so a column added to a migration and not to schema.ts (or the reverse) fails one or the other.
 * Numbers may be `integer` or `bigint` (TypeScript cannot tell them apart); the list says which, and the database must
 * agree: epoch seconds in a 32-bit column would overflow in 2038.
 */
type Kind<V> = V extends string ? 'text' : V extends number ? 'integer' | 'bigint' : V extends Buffer ? 'bytes' : never;
type Column<V> = null extends V ? `${Kind<NonNullable<V>>} | null` : Kind<V>;
type ExpectedSchema = { readonly [T in keyof Database]-?: { readonly [C in keyof Database[T]]-?: Column<Database[T][C]> } };

const EXPECTED: ExpectedSchema = {
  tenants: {
    id: 'text',
    name: 'text',
    status: 'text',
    settings: 'text',
    quotas: 'text',
    allowed_scopes: 'text | null',
    created_at: 'bigint',
    updated_at: 'bigint',
    suspended_at: 'bigint | null',
  },
  roles: { tenant_id: 'text', name: 'text', description: 'text', scopes: 'text', created_at: 'bigint' },
  apis: {
    tenant_id: 'text',
    identifier: 'text',
    name: 'text',
    scopes: 'text',
    scope_descriptions: 'text',
    created_at: 'bigint',
    openapi_document: 'text | null',
    openapi_summary: 'text | null',
    openapi_url: 'text | null',
    openapi_fetched_at: 'bigint | null',
  },
  clients: {
    tenant_id: 'text',
    client_id: 'text',
    name: 'text',
    description: 'text',
    roles: 'text',
    scopes: 'text',
    grant_types: 'text',
    token_endpoint_auth_method: 'text',
    redirect_uris: 'text',
    access_token_ttl: 'bigint | null',
    secret_hash: 'text | null',
    previous_secret_hash: 'text | null',
    previous_secret_expires_at: 'bigint | null',
    revoked_at: 'bigint | null',
    created_at: 'bigint',
    updated_at: 'bigint',
    post_logout_redirect_uris: 'text',
    id_token_signed_response_alg: 'text',
    skip_consent: 'integer',
    introspection: 'integer',
  },
  revoked_tokens: { tenant_id: 'text', jti: 'text', client_id: 'text', expires_at: 'bigint', revoked_at: 'bigint' },
  signing_keys: {
    tenant_id: 'text',
    kid: 'text',
    alg: 'text',
    public_jwk: 'text',
    private_jwk_sealed: 'text | null',
    status: 'text',
    created_at: 'bigint',
    retired_at: 'bigint | null',
    publish_until: 'bigint | null',
  },
  page_keys: { name: 'text', key_sealed: 'text', created_at: 'bigint' },
  users: {
    tenant_id: 'text',
    id: 'text',
    username: 'text',
    password_hash: 'text',
    email: 'text | null',
    email_verified: 'integer',
    name: 'text | null',
    roles: 'text',
    disabled_at: 'bigint | null',
    created_at: 'bigint',
    updated_at: 'bigint',
  },
  sessions: {
    tenant_id: 'text',
    id: 'text',
    token_hash: 'text',
    user_id: 'text',
    auth_time: 'bigint',
    created_at: 'bigint',
    expires_at: 'bigint',
    ip: 'text',
    user_agent: 'text',
    revoked_at: 'bigint | null',
    last_seen_at: 'bigint',
  },
  interactions: { tenant_id: 'text', id: 'text', expires_at: 'bigint' },
  grants: {
    tenant_id: 'text',
    id: 'text',
    user_id: 'text',
    client_id: 'text',
    scopes: 'text',
    created_at: 'bigint',
    revoked_at: 'bigint | null',
    session_id: 'text',
    audience: 'text',
    auth_time: 'bigint',
    requested_at: 'bigint',
    refresh_token_hash: 'text | null',
    rotated_token_hash: 'text | null',
    rotated_at: 'bigint | null',
    refresh_token_issued_at: 'bigint | null',
  },
  authorization_codes: {
    tenant_id: 'text',
    code_hash: 'text',
    client_id: 'text',
    user_id: 'text',
    session_id: 'text',
    redirect_uri: 'text | null',
    code_challenge: 'text',
    scopes: 'text',
    nonce: 'text | null',
    audience: 'text',
    auth_time: 'bigint',
    requested_at: 'bigint',
    expires_at: 'bigint',
    used_at: 'bigint | null',
    grant_id: 'text | null',
  },
  refresh_tokens: { tenant_id: 'text', token_hash: 'bytes', grant_id: 'text', expires_at: 'bigint' },
  grant_access_tokens: { tenant_id: 'text', jti: 'text', grant_id: 'text', client_id: 'text', expires_at: 'bigint' },
  consents: { tenant_id: 'text', user_id: 'text', client_id: 'text', audience: 'text', scopes: 'text', granted_at: 'bigint' },
  login_throttle: { tenant_id: 'text', key: 'text', failures: 'integer', window_start: 'bigint' },
  sign_in_delays: {
    tenant_id: 'text',
    key: 'text',
    failures: 'integer',
    last_failure_ms: 'bigint',
    previous_failure_ms: 'bigint',
    claim: 'text',
  },
  sign_in_devices: {
    tenant_id: 'text',
    token_hash: 'text',
    user_id: 'text',
    failures: 'integer',
    created_at: 'bigint',
    expires_at: 'bigint',
  },
  audit_events: {
    tenant_id: 'text',
    id: 'text',
    at: 'bigint',
    actor: 'text',
    actor_type: 'text',
    action: 'text',
    target: 'text',
    ip: 'text',
    details: 'text',
  },
  members: { tenant_id: 'text', user_id: 'text', role: 'text', created_at: 'bigint', updated_at: 'bigint' },
  invitations: {
    id: 'text',
    tenant_id: 'text',
    token_hash: 'text',
    email: 'text',
    role: 'text',
    invited_by: 'text',
    created_at: 'bigint',
    expires_at: 'bigint',
    accepted_at: 'bigint | null',
    accepted_by: 'text | null',
  },
  setup_codes: {
    tenant_id: 'text',
    code_hash: 'text',
    created_at: 'bigint',
    expires_at: 'bigint',
  },
};

/** The types the two databases report, by what schema.ts says of them. */
const KINDS: Record<string, string> = {
  text: 'text',
  integer: 'integer',
  int4: 'integer',
  bigint: 'bigint',
  int8: 'bigint',
  blob: 'bytes',
  bytea: 'bytes',
};

/** Kysely's own bookkeeping, which schema.ts does not describe. */
const MIGRATION_TABLES = new Set(['gatehouse_migrations', 'gatehouse_migrations_lock']);

/** Every table with each column as `kind` or `kind | null`, as the database has it. */
async function actualSchema(store: Store): Promise<Record<string, Record<string, string>>> {
  const schema: Record<string, Record<string, string>> = {};
  for (const table of await store.db.introspection.getTables()) {
    if (MIGRATION_TABLES.has(table.name)) continue;
    // SQLite lets a primary key other than INTEGER hold NULL unless it says NOT NULL (a legacy quirk, see "CREATE
    // TABLE" in its documentation) and reports it nullable; our writes never store one, so it counts as not null.
    const primaryKey = new Set<string>();
    if (store.dialect === 'sqlite') {
      const key = await sql<{ name: string }>`select name from pragma_table_info(${table.name}) where pk > 0`.execute(store.db);
      for (const row of key.rows) primaryKey.add(row.name);
    }
    schema[table.name] = Object.fromEntries(
      table.columns.map((column) => {
        const kind = KINDS[column.dataType.toLowerCase()] ?? column.dataType;
        return [column.name, column.isNullable && !primaryKey.has(column.name) ? `${kind} | null` : kind];
      }),
    );
  }
  return schema;
}

/** Non-partial indexes (primary keys and unique constraints included), each as its columns in order. */
async function indexedColumns(store: Store): Promise<{ table: string; index: string; columns: string[] }[]> {
  const rows =
    store.dialect === 'sqlite'
      ? await sql<{ table: string; index: string; column: string }>`
          select m.name as "table", l.name as "index", i.name as "column"
          from sqlite_master m, pragma_index_list(m.name) l, pragma_index_xinfo(l.name) i
          where m.type = 'table' and l.partial = 0 and i.key = 1 order by m.name, l.name, i.seqno`.execute(store.db)
      : await sql<{ table: string; index: string; column: string }>`
          select t.relname as "table", c.relname as "index", a.attname as "column"
          from pg_index x
          join pg_class c on c.oid = x.indexrelid
          join pg_class t on t.oid = x.indrelid
          join pg_namespace n on n.oid = t.relnamespace
          cross join lateral unnest(x.indkey::int2[]) with ordinality as k(attnum, position)
          join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
          where n.nspname = current_schema() and x.indpred is null
          order by t.relname, c.relname, k.position`.execute(store.db);
  const indexes = new Map<string, { table: string; index: string; columns: string[] }>();
  for (const row of rows.rows) {
    const key = `${row.table}.${row.index}`;
    if (!indexes.has(key)) indexes.set(key, { table: row.table, index: row.index, columns: [] });
    indexes.get(key)!.columns.push(row.column);
  }
  return [...indexes.values()];
}

type IndexUse = {
  [T in keyof Database]: readonly [table: T, columns: readonly (keyof Database[T] & string)[], serves: string];
}[keyof Database];

/** Every purge (purgeInBatches and the grant purge) and hot lookup, with the columns an index must start with. */
const INDEX_USES: readonly IndexUse[] = [
  // Purges: each finds what has expired through an index on what it filters by, then deletes by primary key.
  ['revoked_tokens', ['expires_at'], 'revocations purge'],
  ['authorization_codes', ['expires_at'], 'codes purge'],
  ['grant_access_tokens', ['expires_at'], 'access-token records purge'],
  ['refresh_tokens', ['expires_at'], 'refresh tokens purge'],
  ['interactions', ['expires_at'], 'answered interactions purge'],
  ['sessions', ['expires_at'], 'sessions purge: expired'],
  ['sessions', ['last_seen_at'], 'sessions purge: idle'],
  ['sessions', ['revoked_at'], 'sessions purge: signed out'],
  ['login_throttle', ['window_start'], 'sign-up counters purge'],
  ['sign_in_delays', ['last_failure_ms'], 'sign-in delays purge'],
  ['sign_in_devices', ['expires_at'], 'device cookies purge'],
  ['audit_events', ['at'], 'audit retention purge'],
  ['grants', ['id'], 'grant purge: walks the grants by key'],
  ['refresh_tokens', ['grant_id'], 'grant purge: does a refresh token name it'],
  ['grant_access_tokens', ['grant_id'], 'grant purge: does an access-token record name it'],
  ['authorization_codes', ['grant_id'], 'grant purge: does a code name it'],
  // Token endpoint.
  ['clients', ['client_id'], 'client authentication'],
  ['authorization_codes', ['code_hash'], 'code redemption'],
  ['refresh_tokens', ['token_hash'], 'refresh, revocation and introspection of a refresh token'],
  ['grants', ['id'], "a refresh token's family"],
  // Introspection, revocation and access-token checks.
  ['revoked_tokens', ['jti'], 'is this access token revoked'],
  ['grant_access_tokens', ['jti'], 'was its grant revoked'],
  // Sessions.
  ['sessions', ['token_hash'], 'the session cookie'],
  ['sessions', ['id'], 'a session by sid'],
  ['sessions', ['user_id'], "a user's sessions, and ending them"],
  // Consents and what withdrawing one or disabling a user or client ends.
  ['consents', ['user_id', 'client_id', 'audience'], 'the consent for a request'],
  ['consents', ['user_id'], "a user's consents"],
  ['grants', ['user_id', 'client_id'], 'withdrawing a consent ends its grants'],
  ['grants', ['user_id'], 'disabling a user ends their grants'],
  ['grants', ['client_id'], 'revoking a client ends its grants'],
  ['authorization_codes', ['user_id', 'client_id'], 'withdrawing a consent voids unredeemed codes'],
  // Sign-in.
  ['users', ['tenant_id', 'username'], 'sign-in by username (unique within a tenant)'],
  ['users', ['id'], 'a user by id'],
  ['interactions', ['id'], 'was this interaction answered'],
  ['sign_in_delays', ['tenant_id', 'key'], 'the delay of an account or address'],
  ['sign_in_devices', ['token_hash'], 'the device cookie'],
  ['login_throttle', ['tenant_id', 'key'], 'the sign-up counter of an address'],
  // Looked up by key on every request that needs them (cached, but filled from these).
  ['apis', ['tenant_id', 'identifier'], 'the resource indicator'],
  ['roles', ['tenant_id', 'name'], "a client's roles"],
  ['signing_keys', ['kid'], 'a signing key'],
  ['signing_keys', ['tenant_id'], "a tenant's keys, read when it is first used and at rotation checks"],
  ['page_keys', ['name'], 'a page key'],
  ['audit_events', ['tenant_id', 'id'], "a tenant's audit log, newest first, by page"],
  // Tenants.
  ['tenants', ['id'], 'a tenant by id, and the tenant list paged by id'],
  ['clients', ['tenant_id', 'created_at'], "a tenant's clients, oldest first"],
  // Accounts' members and invitations.
  ['members', ['tenant_id', 'user_id'], "an account's members, and is this person one"],
  ['members', ['user_id'], "a person's accounts (the account switcher)"],
  ['invitations', ['token_hash'], 'the invitation a link carries'],
  ['invitations', ['tenant_id', 'created_at'], "an account's invitations, newest first"],
  ['invitations', ['expires_at'], 'invitations purge'],
];

for (const backend of backends()) {
  describe(`the store's schema (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let store: Store;
    before(async () => {
      store = await openStore(storeOptionsOf(loadConfig(await freshStoreEnv(backend, cleanup))));
      cleanup.push(() => store.close());
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('schema.ts matches the tables and columns the migrations create: names, types and nullability', async () => {
      const actual = await actualSchema(store);
      assert.deepEqual(Object.keys(actual).sort(), Object.keys(EXPECTED).sort(), 'the tables');
      for (const [table, columns] of Object.entries(EXPECTED)) assert.deepEqual(actual[table], { ...columns }, `the columns of ${table}`);
    });

    test('every purge and hot lookup has an index that starts with the columns it filters by', async () => {
      const indexes = await indexedColumns(store);
      const missing = INDEX_USES.filter(
        ([table, columns]) => !indexes.some((index) => index.table === table && sameSet(index.columns.slice(0, columns.length), columns)),
      );
      assert.deepEqual(
        missing.map(([table, columns, serves]) => `${table} (${columns.join(', ')}): ${serves}`),
        [],
      );
    });
  });
}

const INDEXES_MIGRATION = '0013_indexes_and_foreign_keys';

/** Migration 0013 on a store in use: what it holds stays, and the two lookups it serves find their rows through it. */
for (const backend of backends()) {
  describe(`migration ${INDEXES_MIGRATION} (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test("grants and codes stay; ending a client's grants and a consent's codes use the new indexes", async () => {
      const { store, old } = await storeBeforeMigration(backend, cleanup, INDEXES_MIGRATION);
      const now = nowSeconds();
      const grant = {
        id: 'g1',
        user_id: 'alice',
        client_id: 'notes',
        scopes: '[]',
        created_at: now,
        session_id: 's',
        audience: '',
        auth_time: now,
        requested_at: now,
      };
      await old.insertInto('grants').values(grant).execute();
      const code = {
        code_hash: 'h1',
        client_id: 'notes',
        user_id: 'alice',
        session_id: 's',
        code_challenge: 'x',
        scopes: '[]',
        audience: '',
        auth_time: now,
        requested_at: now,
        expires_at: now + 60,
      };
      await old.insertInto('authorization_codes').values(code).execute();

      assert.deepEqual(await migrateToLatest(old), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf(INDEXES_MIGRATION)));

      const grants = new GrantRepository(store, DEFAULT_TENANT);
      await grants.invalidateCodesOf('alice', 'notes');
      await store.db.executeQuery(grants.revokeAllGrantsOfClientStatement('notes'));
      const grantRow = await store.db.selectFrom('grants').selectAll().where('id', '=', 'g1').executeTakeFirstOrThrow();
      const unset = {
        revoked_at: null,
        refresh_token_hash: null,
        refresh_token_issued_at: null,
        rotated_token_hash: null,
        rotated_at: null,
        // Later migrations run too: 0014 makes the grant the default tenant's.
        tenant_id: DEFAULT_TENANT,
      };
      assert.deepEqual({ ...grantRow, revoked_at: null }, { ...grant, ...unset });
      assert.ok(grantRow.revoked_at !== null && grantRow.revoked_at >= now, "the client's grant was ended");
      const codeRow = await store.db.selectFrom('authorization_codes').select(['code_hash', 'used_at']).executeTakeFirstOrThrow();
      assert.ok(codeRow.code_hash === 'h1' && codeRow.used_at !== null && codeRow.used_at >= now, "the consent's code was voided");

      // The statement invalidateCodesOf runs.
      const voidCodes = store.db
        .updateTable('authorization_codes')
        .set({ used_at: now })
        .where('user_id', '=', 'alice')
        .where('client_id', '=', 'notes')
        .where('used_at', 'is', null)
        .compile();
      assert.match(await plan(store, grants.revokeAllGrantsOfClientStatement('notes')), /\bgrants_client\b/);
      assert.match(await plan(store, voidCodes), /\bauthorization_codes_user_client\b/);
    });
  });
}

/**
 * The query plan of a statement, one line per step. PostgreSQL's planner scans a table this small whatever its indexes,
 * so sequential scans are priced out for the one transaction that asks (EXPLAIN without ANALYZE runs nothing).
 */
async function plan(store: Store, query: CompiledQuery): Promise<string> {
  if (store.dialect === 'sqlite') {
    const explain = CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]);
    const steps = await store.db.executeQuery<{ detail: string }>(explain);
    return steps.rows.map((row) => row.detail).join('\n');
  }
  return store.db.transaction().execute(async (tx) => {
    await sql`set local enable_seqscan = off`.execute(tx);
    const steps = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
    return steps.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item) => b.includes(item));
