import type { Kysely } from 'kysely';

/**
 * The first run's one-time setup code (src/accounts/first-run.ts): at most one per tenant (only the default tenant
 * has one), stored as its SHA-256 only, so that every server process of the deployment checks the same code and a
 * second start replaces it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('setup_codes')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
