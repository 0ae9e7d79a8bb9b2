import type { Kysely } from 'kysely';

/**
 * The two lookups that still scanned a whole table: revoking (or restoring) a client ends every live grant given to it
 * (grants by client_id: grants_user_client serves only lookups that name the user), and withdrawing a consent makes
 * the user's unredeemed codes for that client worthless (authorization_codes by user and client). Every other purge
 * and hot lookup has its index already; test/schema.test.ts lists them.
 *
 * No foreign keys, although the name allows for them. On SQLite a constraint can only be added by rebuilding the table
 * (grants, codes, refresh tokens, access-token records, sessions and consents: the biggest tables, copied under the
 * write lock at the upgrade), and SQLite enforces it only on connections that turn `PRAGMA foreign_keys` on (the
 * reader, the writer thread, every CLI process), so the two databases would enforce different rules wherever one is
 * missed. Part of the model cannot have them at all: codes and grants keep naming sessions the purge has removed.
 * And a store may already hold rows naming a user or client that is not there, which would make this migration fail
 * on PostgreSQL or force it to delete data. Users and clients are never deleted (they are disabled or revoked), so the
 * references they would guard do not dangle through any deletion path today.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('grants_client').on('grants').column('client_id').execute();
  await db.schema.createIndex('authorization_codes_user_client').on('authorization_codes').columns(['user_id', 'client_id']).execute();
}
