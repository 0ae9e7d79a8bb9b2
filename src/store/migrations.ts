import { Kysely, Migrator, SqliteAdapter, sql, type Migration, type MigrationProvider } from 'kysely';
import { nowSeconds } from './json-list.js';

/**
 * Schema migrations, kept in code so that the compiled package carries them. Types are the common ground of
 * SQLite and PostgreSQL: text, bigint (epoch seconds) and JSON lists stored as text.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('roles')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('apis')
        .addColumn('identifier', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('access_token_ttl', 'bigint')
        .addColumn('secret_hash', 'text')
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_secret_expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('revoked_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('revoked_tokens_expires_at').on('revoked_tokens').column('expires_at').execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk_sealed', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .addColumn('publish_until', 'bigint')
        .execute();
      // At most one active key per algorithm, even when two processes rotate at once.
      await sql`create unique index signing_keys_one_active on signing_keys (alg) where status = 'active'`.execute(db);
    },
  },
  '0002_users_and_grants': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('clients').addColumn('id_token_signed_response_alg', 'text', (c) => c.notNull().defaultTo('RS256')).execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('name', 'text')
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('disabled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('interactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('binding_hash', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('session_id', 'text')
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema
        .createTable('grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('grants_user_client').on('grants').columns(['user_id', 'client_id']).execute();
      await db.schema
        .createTable('authorization_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text')
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('grant_id', 'text')
        .execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_grant').on('refresh_tokens').column('grant_id').execute();
      await db.schema
        .createTable('grant_access_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('grant_access_tokens_grant').on('grant_access_tokens').column('grant_id').execute();
      await db.schema
        .createTable('consents')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
        .execute();
      await db.schema
        .createTable('login_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_console_and_audit': {
    async up(db: Kysely<any>) {
      // First-party clients (the console, the playground) are not asked for consent.
      await db.schema.alterTable('clients').addColumn('skip_consent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0004_refresh_rotation': {
    async up(db: Kysely<any>) {
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
      // What a family's refresh tokens stand for moves onto the grant (it was copied into every rotation), with the
      // family's live token and its last rotation, which decide between rotation, retry and reuse.
      for (const [name, type] of [
        ['session_id', 'text'],
        ['audience', 'text'],
        ['auth_time', 'bigint'],
        ['requested_at', 'bigint'],
      ] as const) {
        await db.schema
          .alterTable('grants')
          .addColumn(name, type, (c) => c.notNull().defaultTo(type === 'text' ? '' : 0))
          .execute();
      }
      for (const [name, type] of [
        ['refresh_token_hash', 'text'],
        ['rotated_token_hash', 'text'],
        ['rotated_at', 'bigint'],
      ] as const) {
        await db.schema.alterTable('grants').addColumn(name, type).execute();
      }
      const fromTokens = (column: string) =>
        sql`coalesce((select r.${sql.ref(column)} from refresh_tokens r where r.grant_id = grants.id limit 1), ${sql.ref(column)})`;
      await sql`update grants set
        session_id = ${fromTokens('session_id')}, audience = ${fromTokens('audience')},
        auth_time = ${fromTokens('auth_time')}, requested_at = ${fromTokens('requested_at')},
        refresh_token_hash = (select r.token_hash from refresh_tokens r where r.grant_id = grants.id and r.used_at is null order by r.created_at desc limit 1)`.execute(db);
      // Kept one per rotation until it expires, so the row is only what reuse detection needs, keyed by the hash's
      // 32 bytes; on SQLite without a rowid, so the key is stored once.
      await db.schema
        .createTable('refresh_tokens_0004')
        .addColumn('token_hash', sqlite ? 'blob' : 'bytea', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .$call((table) => (sqlite ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      await sql`insert into refresh_tokens_0004 (token_hash, grant_id, expires_at)
        select ${sqlite ? sql`unhex(token_hash)` : sql`decode(token_hash, 'hex')`}, grant_id, expires_at from refresh_tokens`.execute(db);
      await db.schema.dropTable('refresh_tokens').execute();
      await db.schema.alterTable('refresh_tokens_0004').renameTo('refresh_tokens').execute();
    },
  },
  '0005_interactions': {
    async up(db: Kysely<any>) {
      // Pending authorization requests moved into a sealed cookie; what is left to store is which ones were answered.
      // Requests in progress during the upgrade end with "this sign-in link has expired", and are started again.
      await db.schema.dropTable('interactions').execute();
      await db.schema
        .createTable('interactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('interactions_expires_at').on('interactions').column('expires_at').execute();
    },
  },
  '0006_purge_indexes': {
    // The purge finds what has expired through these instead of scanning whole tables, and the grant purge asks
    // whether a code still names a grant. (Answered interactions got theirs in 0005.)
    async up(db: Kysely<any>) {
      const indexes: [name: string, table: string, column: string][] = [
        ['authorization_codes_expires_at', 'authorization_codes', 'expires_at'],
        ['authorization_codes_grant', 'authorization_codes', 'grant_id'],
        ['grant_access_tokens_expires_at', 'grant_access_tokens', 'expires_at'],
        ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at'],
        // 0004 rebuilt the table without it; the grant purge asks whether a refresh token still names a grant.
        ['refresh_tokens_grant', 'refresh_tokens', 'grant_id'],
        ['sessions_expires_at', 'sessions', 'expires_at'],
        ['sessions_revoked_at', 'sessions', 'revoked_at'],
        ['login_throttle_window_start', 'login_throttle', 'window_start'],
        ['audit_events_at', 'audit_events', 'at'],
      ];
      for (const [name, table, column] of indexes) await db.schema.createIndex(name).on(table).column(column).execute();
    },
  },
  '0008_introspection_rights': {
    // Which clients may introspect tokens issued to other clients (resource servers, RFC 7662 §4). Every existing
    // client starts without the right: until now any confidential client could read any token, and which of them
    // are resource servers only the operator knows (README, "Upgrading"). A client's own tokens need no right.
    // And when a family's live refresh token was issued, its `iat` at introspection: rotations kept only their first
    // moment (a retry issues the successor again), so it was not known; for tokens issued before this it stays so.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('introspection', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('grants').addColumn('refresh_token_issued_at', 'bigint').execute();
    },
  },
  '0009_consent_audience': {
    // A consent is for the API (RFC 8707 audience) the app asked to access, so one for API A does not cover API B.
    // '' stands for the default API, whatever GATEHOUSE_AUDIENCE names, which is what every consent before this was
    // for. The key grows by the audience; neither database can change a primary key in place, so the table is copied.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('consents_0009')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_audience_pk', ['user_id', 'client_id', 'audience'])
        .execute();
      await sql`insert into consents_0009 (user_id, client_id, audience, scopes, granted_at)
        select user_id, client_id, '', scopes, granted_at from consents`.execute(db);
      await db.schema.dropTable('consents').execute();
      await db.schema.alterTable('consents_0009').renameTo('consents').execute();
    },
  },
  '0010_page_keys': {
    // The pages' keys (CSRF tokens, sealed interactions) were derived from the master secret, so every CSRF token was
    // an offline test of a guessed GATEHOUSE_SECRET. Now they are random, made once per store and kept sealed here.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('page_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0011_session_idle_and_family_lifetime': {
    // A session ends when unused for GATEHOUSE_SESSION_IDLE_TIMEOUT, so it records when it was last used. When the
    // sessions open at the upgrade were last used is not known; they count as used at the upgrade, so that none is
    // ended by it, and each still ends by its absolute expiry. The purge finds idle ones by the index.
    // (A refresh-token family's absolute lifetime needs no column: it starts with its grant, at grants.created_at.)
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.updateTable('sessions').set({ last_seen_at: nowSeconds() }).execute();
      await db.schema.createIndex('sessions_last_seen_at').on('sessions').column('last_seen_at').execute();
    },
  },
  '0012_sign_in_delays': {
    // Growing delays per account and per address replace the hard lock of login_throttle, which now counts sign-ups
    // only; and the browsers that signed in before, whose own attempts the account's delay does not hold back.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sign_in_delays')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_ms', 'bigint', (c) => c.notNull())
        .addColumn('previous_failure_ms', 'bigint', (c) => c.notNull())
        .addColumn('claim', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_delays_last_failure_ms').on('sign_in_delays').column('last_failure_ms').execute();
      await db.schema
        .createTable('sign_in_devices')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_devices_expires_at').on('sign_in_devices').column('expires_at').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Every migration there is, in order. */
export const MIGRATION_NAMES = Object.keys(migrations).sort();

/**
 * Applies what is missing; returns the names of the migrations applied now. `upTo` stops at that migration (for
 * the tests of a migration, which need the schema as it was before it).
 */
export async function migrateToLatest(db: Kysely<any>, upTo?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'gatehouse_migrations', migrationLockTableName: 'gatehouse_migrations_lock' });
  const { error, results } = upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(upTo);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
