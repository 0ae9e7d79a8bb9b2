import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
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
