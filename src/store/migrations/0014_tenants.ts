import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import { isSqlite } from './dialect.js';

/** Tables whose rows gain the tenant they belong to, without a change of key (their keys are random, hence global). */
const ADDED_TO = [
  'clients',
  'revoked_tokens',
  'signing_keys',
  'sessions',
  'interactions',
  'grants',
  'authorization_codes',
  'refresh_tokens',
  'grant_access_tokens',
  'consents',
  'sign_in_devices',
  'audit_events',
] as const;

type Columns = (table: CreateTableBuilder<string, never>) => CreateTableBuilder<string, never>;

/**
 * Tables whose key was a name, which is now a name within a tenant: rebuilt with (tenant_id, …) as their key, their
 * rows copied as they were. Rebuilt rather than altered, because SQLite cannot change a primary key or drop a
 * column's UNIQUE in place; the same statements serve PostgreSQL, so both databases get the same tables.
 */
const REKEYED: { table: string; columns: Columns; key: string[]; copied: string[] }[] = [
  {
    table: 'roles',
    columns: (t) =>
      t
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
    key: ['tenant_id', 'name'],
    copied: ['name', 'description', 'scopes', 'created_at'],
  },
  {
    table: 'apis',
    columns: (t) =>
      t
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
    key: ['tenant_id', 'identifier'],
    copied: ['identifier', 'name', 'scopes', 'created_at'],
  },
  {
    table: 'users',
    columns: (t) =>
      t
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('name', 'text')
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('disabled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    // Usernames are unique within a tenant (users_tenant_username below); the id stays the key.
    key: [],
    copied: ['id', 'username', 'password_hash', 'email', 'email_verified', 'name', 'roles', 'disabled_at', 'created_at', 'updated_at'],
  },
  {
    table: 'login_throttle',
    columns: (t) =>
      t
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull()),
    key: ['tenant_id', 'key'],
    copied: ['key', 'failures', 'window_start'],
  },
  {
    table: 'sign_in_delays',
    columns: (t) =>
      t
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_ms', 'bigint', (c) => c.notNull())
        .addColumn('previous_failure_ms', 'bigint', (c) => c.notNull())
        .addColumn('claim', 'text', (c) => c.notNull()),
    key: ['tenant_id', 'key'],
    copied: ['key', 'failures', 'last_failure_ms', 'previous_failure_ms', 'claim'],
  },
];

/**
 * Tenants. The deployment as it was becomes the default tenant: every row is given tenant_id 'default' and keeps
 * every value, so its issuer, keys, issued tokens and clients work on unchanged. Page keys stay the deployment's.
 * On PostgreSQL the column then loses its default, so a write that forgot its tenant fails instead of landing in the
 * default tenant; SQLite cannot drop a default without rebuilding every table, so there the repositories' tests
 * (tenant-store) check that every write names its tenant.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = isSqlite(db);
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('quotas', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('allowed_scopes', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('suspended_at', 'bigint')
    .execute();
  const now = Math.floor(Date.now() / 1000);
  await db
    .insertInto('tenants')
    .values({ id: 'default', name: 'Default', status: 'active', settings: '{}', quotas: '{}', created_at: now, updated_at: now })
    .execute();

  for (const table of ADDED_TO) {
    await db.schema
      .alterTable(table)
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
      .execute();
    if (!sqlite) await sql`alter table ${sql.table(table)} alter column tenant_id drop default`.execute(db);
  }
  for (const { table, columns, key, copied } of REKEYED) {
    const rebuilt = `${table}_0014`;
    let builder = columns(db.schema.createTable(rebuilt).addColumn('tenant_id', 'text', (c) => c.notNull()) as never);
    if (key.length > 0) builder = builder.addPrimaryKeyConstraint(`${table}_tenant_pk`, key as never);
    await builder.execute();
    const list = sql.join(copied.map((column) => sql.ref(column)));
    await sql`insert into ${sql.table(rebuilt)} (tenant_id, ${list}) select 'default', ${list} from ${sql.table(table)}`.execute(db);
    await db.schema.dropTable(table).execute();
    await db.schema.alterTable(rebuilt).renameTo(table).execute();
  }

  // What a tenant's pages, lists and lookups need: its usernames (unique within it), its clients by creation, its
  // audit log by time, and one active signing key per algorithm per tenant.
  await db.schema.createIndex('users_tenant_username').on('users').columns(['tenant_id', 'username']).unique().execute();
  await db.schema.createIndex('clients_tenant_created').on('clients').columns(['tenant_id', 'created_at']).execute();
  await db.schema.createIndex('audit_events_tenant').on('audit_events').columns(['tenant_id', 'id']).execute();
  await db.schema.dropIndex('signing_keys_one_active').execute();
  await sql`create unique index signing_keys_one_active on signing_keys (tenant_id, alg) where status = 'active'`.execute(db);
  // The purge's indexes of the rebuilt tables, which went with them.
  await db.schema.createIndex('sign_in_delays_last_failure_ms').on('sign_in_delays').column('last_failure_ms').execute();
  await db.schema.createIndex('login_throttle_window_start').on('login_throttle').column('window_start').execute();
}
