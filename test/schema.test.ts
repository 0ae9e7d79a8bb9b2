import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openStore, storeOptionsOf, type Store } from '../src/store/database.js';
import type { Database } from '../src/store/schema.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv } from './helpers/cli.js';

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
  roles: { name: 'text', description: 'text', scopes: 'text', created_at: 'bigint' },
  apis: { identifier: 'text', name: 'text', scopes: 'text', created_at: 'bigint' },
  clients: {
    client_id: 'text', name: 'text', description: 'text', roles: 'text', scopes: 'text', grant_types: 'text',
    token_endpoint_auth_method: 'text', redirect_uris: 'text', access_token_ttl: 'bigint | null', secret_hash: 'text | null',
    previous_secret_hash: 'text | null', previous_secret_expires_at: 'bigint | null', revoked_at: 'bigint | null', created_at: 'bigint',
    updated_at: 'bigint', post_logout_redirect_uris: 'text', id_token_signed_response_alg: 'text', skip_consent: 'integer',
    introspection: 'integer',
  },
  revoked_tokens: { jti: 'text', client_id: 'text', expires_at: 'bigint', revoked_at: 'bigint' },
  signing_keys: {
    kid: 'text', alg: 'text', public_jwk: 'text', private_jwk_sealed: 'text | null', status: 'text', created_at: 'bigint',
    retired_at: 'bigint | null', publish_until: 'bigint | null',
  },
  page_keys: { name: 'text', key_sealed: 'text', created_at: 'bigint' },
  users: {
    id: 'text', username: 'text', password_hash: 'text', email: 'text | null', email_verified: 'integer', name: 'text | null',
    roles: 'text', disabled_at: 'bigint | null', created_at: 'bigint', updated_at: 'bigint',
  },
  sessions: {
    id: 'text', token_hash: 'text', user_id: 'text', auth_time: 'bigint', created_at: 'bigint', expires_at: 'bigint', ip: 'text',
    user_agent: 'text', revoked_at: 'bigint | null', last_seen_at: 'bigint',
  },
  interactions: { id: 'text', expires_at: 'bigint' },
  grants: {
    id: 'text', user_id: 'text', client_id: 'text', scopes: 'text', created_at: 'bigint', revoked_at: 'bigint | null', session_id: 'text',
    audience: 'text', auth_time: 'bigint', requested_at: 'bigint', refresh_token_hash: 'text | null', rotated_token_hash: 'text | null',
    rotated_at: 'bigint | null', refresh_token_issued_at: 'bigint | null',
  },
  authorization_codes: {
    code_hash: 'text', client_id: 'text', user_id: 'text', session_id: 'text', redirect_uri: 'text | null', code_challenge: 'text',
    scopes: 'text', nonce: 'text | null', audience: 'text', auth_time: 'bigint', requested_at: 'bigint', expires_at: 'bigint',
    used_at: 'bigint | null', grant_id: 'text | null',
  },
  refresh_tokens: { token_hash: 'bytes', grant_id: 'text', expires_at: 'bigint' },
  grant_access_tokens: { jti: 'text', grant_id: 'text', client_id: 'text', expires_at: 'bigint' },
  consents: { user_id: 'text', client_id: 'text', audience: 'text', scopes: 'text', granted_at: 'bigint' },
  login_throttle: { key: 'text', failures: 'integer', window_start: 'bigint' },
  sign_in_delays: { key: 'text', failures: 'integer', last_failure_ms: 'bigint', previous_failure_ms: 'bigint', claim: 'text' },
  sign_in_devices: { token_hash: 'text', user_id: 'text', failures: 'integer', created_at: 'bigint', expires_at: 'bigint' },
  audit_events: {
    id: 'text', at: 'bigint', actor: 'text', actor_type: 'text', action: 'text', target: 'text', ip: 'text', details: 'text',
  },
};

/** The types the two databases report, by what schema.ts says of them. */
const KINDS: Record<string, string> = { text: 'text', integer: 'integer', int4: 'integer', bigint: 'bigint', int8: 'bigint', blob: 'bytes', bytea: 'bytes' };

/** Kysely's own bookkeeping, which schema.ts does not describe. */
const MIGRATION_TABLES = new Set(['gatehouse_migrations', 'gatehouse_migrations_lock']);

/** Every table with each column as `kind` or `kind | null`, as the database has it. */
async function actualSchema(store: Store): Promise<Record<string, Record<string, string>>> {
  const schema: Record<string, Record<string, string>> = {};
  for (const table of await store.db.introspection.getTables()) {
    if (MIGRATION_TABLES.has(table.name)) continue;
    // SQLite lets a primary key other than INTEGER hold NULL unless it says NOT NULL (a legacy quirk, see "CREATE
    // TABLE" in its documentation) and reports it nullable; our writes never store one, so it counts as not null.
    const primaryKey =
      store.dialect === 'sqlite'
        ? new Set((await sql<{ name: string }>`select name from pragma_table_info(${table.name}) where pk > 0`.execute(store.db)).rows.map((r) => r.name))
        : new Set<string>();
    schema[table.name] = Object.fromEntries(
      table.columns.map((column) => {
        const kind = KINDS[column.dataType.toLowerCase()] ?? column.dataType;
        return [column.name, column.isNullable && !primaryKey.has(column.name) ? `${kind} | null` : kind];
      }),
    );
  }
  return schema;
}

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
  });
}
