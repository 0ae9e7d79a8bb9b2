import type { Kysely } from 'kysely';
import { type Config, loadConfig } from '../../src/config.js';
import { openStore, type Store, storeOptionsOf } from '../../src/store/database.js';
import { MIGRATION_NAMES, migrateToLatest } from '../../src/store/migrations.js';
import type { Backend } from './backends.js';
import { freshStoreEnv } from './cli.js';

/**
 * A fresh store on `backend` migrated up to the migration before `migration`, for a test that writes data the old way
 * and then migrates. `old` is the database untyped, since the schema is not yet the one `schema.ts` describes.
 */
export async function storeBeforeMigration(
  backend: Backend,
  cleanup: (() => Promise<void>)[],
  migration: string,
): Promise<{ config: Config; store: Store; old: Kysely<any> }> {
  const config = loadConfig(await freshStoreEnv(backend, cleanup, { secret: false }));
  const store = await openStore(storeOptionsOf(config, false));
  cleanup.push(() => store.close());
  const old = store.db as unknown as Kysely<any>;
  await migrateToLatest(old, MIGRATION_NAMES[MIGRATION_NAMES.indexOf(migration) - 1]);
  return { config, store, old };
}
