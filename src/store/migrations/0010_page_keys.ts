import type { Kysely } from 'kysely';

/**
 * The pages' keys (CSRF tokens, sealed interactions) were derived from the master secret, so every CSRF token was
 * an offline test of a guessed GATEHOUSE_SECRET. Now they are random, made once per store and kept sealed here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('page_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
