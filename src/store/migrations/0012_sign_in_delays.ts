import type { Kysely } from 'kysely';

/**
 * Growing delays per account and per address replace the hard lock of login_throttle, which now counts sign-ups
 * only; and the browsers that signed in before, whose own attempts the account's delay does not hold back.
 */
export async function up(db: Kysely<any>): Promise<void> {
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
}
