import type { Kysely } from 'kysely';

/**
 * Which clients may introspect tokens issued to other clients (resource servers, RFC 7662 §4). Every existing
 * client starts without the right: until now any confidential client could read any token, and which of them
 * are resource servers only the operator knows (README, "Upgrading"). A client's own tokens need no right.
 * And when a family's live refresh token was issued, its `iat` at introspection: rotations kept only their first
 * moment (a retry issues the successor again), so it was not known; for tokens issued before this it stays so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('introspection', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('grants').addColumn('refresh_token_issued_at', 'bigint').execute();
}
