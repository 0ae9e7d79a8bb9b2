import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import * as m0001 from './migrations/0001_core.js';
import * as m0002 from './migrations/0002_users_and_grants.js';
import * as m0003 from './migrations/0003_console_and_audit.js';
import * as m0004 from './migrations/0004_refresh_rotation.js';
import * as m0005 from './migrations/0005_interactions.js';
import * as m0006 from './migrations/0006_purge_indexes.js';
import * as m0008 from './migrations/0008_introspection_rights.js';
import * as m0009 from './migrations/0009_consent_audience.js';
import * as m0010 from './migrations/0010_page_keys.js';
import * as m0011 from './migrations/0011_session_idle_and_family_lifetime.js';
import * as m0012 from './migrations/0012_sign_in_delays.js';
import * as m0013 from './migrations/0013_indexes_and_foreign_keys.js';
import * as m0014 from './migrations/0014_tenants.js';
import * as m0015 from './migrations/0015_signing_keys_by_tenant.js';
import * as m0016 from './migrations/0016_members.js';
import * as m0017 from './migrations/0017_setup_codes.js';
import * as m0018 from './migrations/0018_api_scope_descriptions.js';
import * as m0019 from './migrations/0019_api_openapi.js';
import { isSqlite } from './migrations/dialect.js';

/**
 * Schema migrations, one file each under migrations/, kept in code so that the compiled package carries them. Types
 * are the common ground of SQLite and PostgreSQL: text, bigint (epoch seconds) and JSON lists stored as text. The list
 * is static (no directory scan at run time) so that a bundle or dist/ carries exactly these. The names are recorded in
 * every database they ran on: never rename one.
 */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_users_and_grants': m0002,
  '0003_console_and_audit': m0003,
  '0004_refresh_rotation': m0004,
  '0005_interactions': m0005,
  '0006_purge_indexes': m0006,
  '0008_introspection_rights': m0008,
  '0009_consent_audience': m0009,
  '0010_page_keys': m0010,
  '0011_session_idle_and_family_lifetime': m0011,
  '0012_sign_in_delays': m0012,
  '0013_indexes_and_foreign_keys': m0013,
  '0014_tenants': m0014,
  '0015_signing_keys_by_tenant': m0015,
  '0016_members': m0016,
  '0017_setup_codes': m0017,
  '0018_api_scope_descriptions': m0018,
  '0019_api_openapi': m0019,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Every migration there is, in order. */
export const MIGRATION_NAMES = Object.keys(migrations).sort();

const MIGRATION_TABLE = 'gatehouse_migrations';

/**
 * The store was migrated by a newer Gatehouse: it records a migration this build does not have, so the schema may
 * differ from what this build reads and writes. Refused rather than half-working (the operator upgrades instead).
 */
export class UnknownMigrationError extends Error {
  override name = 'UnknownMigrationError';
  constructor(readonly unknown: readonly string[]) {
    const names = `${unknown.length === 1 ? 'migration' : 'migrations'} ${unknown.join(', ')}`;
    super(`this store was migrated by a newer Gatehouse (unknown ${names}); upgrade Gatehouse to a version that has ${unknown.at(-1)}`);
  }
}

/** The migrations recorded as applied in this database, in order; none before the first migration ran. */
export async function recordedMigrations(db: Kysely<any>): Promise<string[]> {
  const exists = isSqlite(db)
    ? sql<{ found: number }>`select count(*) as found from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`
    : sql<{ found: number }>`select count(*)::int as found from pg_catalog.pg_class where oid = to_regclass(${MIGRATION_TABLE})`;
  if (Number((await exists.execute(db)).rows[0]?.found) === 0) return [];
  const rows = await db.selectFrom(MIGRATION_TABLE).select('name').orderBy('name').execute();
  return rows.map((row: { name: string }) => row.name);
}

/** The schema version of a store: the latest migration applied to it, or null for a database never migrated. */
export async function schemaVersion(db: Kysely<any>): Promise<string | null> {
  return (await recordedMigrations(db)).at(-1) ?? null;
}

async function refuseUnknownMigrations(db: Kysely<any>): Promise<void> {
  const known = new Set(MIGRATION_NAMES);
  const unknown = (await recordedMigrations(db)).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new UnknownMigrationError(unknown);
}

/**
 * Applies what is missing; returns the names of the migrations applied now. `upTo` stops at that migration (for
 * the tests of a migration, which need the schema as it was before it). A store that a newer Gatehouse migrated is
 * refused with UnknownMigrationError, before anything is written (Kysely's own "corrupted migrations" would say
 * neither what happened nor what to do).
 */
export async function migrateToLatest(db: Kysely<any>, upTo?: string): Promise<string[]> {
  await refuseUnknownMigrations(db);
  const migrator = new Migrator({ db, provider, migrationTableName: MIGRATION_TABLE, migrationLockTableName: 'gatehouse_migrations_lock' });
  const { error, results } = upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(upTo);
  if (error) {
    // On PostgreSQL a newer Gatehouse may have migrated between the check and the migrator's lock.
    await refuseUnknownMigrations(db);
    throw error instanceof Error ? error : new Error(String(error));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
