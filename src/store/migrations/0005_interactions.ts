import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Pending authorization requests moved into a sealed cookie; what is left to store is which ones were answered.
  // Requests in progress during the upgrade end with "this sign-in link has expired", and are started again.
  await db.schema.dropTable('interactions').execute();
  await db.schema
    .createTable('interactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interactions_expires_at').on('interactions').column('expires_at').execute();
}
