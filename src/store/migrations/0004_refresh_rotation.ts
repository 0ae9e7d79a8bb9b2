import { type Kysely, sql } from 'kysely';
import { isSqlite } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = isSqlite(db);
  // What a family's refresh tokens stand for moves onto the grant (it was copied into every rotation), with the
  // family's live token and its last rotation, which decide between rotation, retry and reuse.
  for (const [name, type] of [
    ['session_id', 'text'],
    ['audience', 'text'],
    ['auth_time', 'bigint'],
    ['requested_at', 'bigint'],
  ] as const) {
    await db.schema
      .alterTable('grants')
      .addColumn(name, type, (c) => c.notNull().defaultTo(type === 'text' ? '' : 0))
      .execute();
  }
  for (const [name, type] of [
    ['refresh_token_hash', 'text'],
    ['rotated_token_hash', 'text'],
    ['rotated_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('grants').addColumn(name, type).execute();
  }
  const fromTokens = (column: string) =>
    sql`coalesce((select r.${sql.ref(column)} from refresh_tokens r where r.grant_id = grants.id limit 1), ${sql.ref(column)})`;
  await sql`update grants set
    session_id = ${fromTokens('session_id')}, audience = ${fromTokens('audience')},
    auth_time = ${fromTokens('auth_time')}, requested_at = ${fromTokens('requested_at')},
    refresh_token_hash = (select r.token_hash from refresh_tokens r where r.grant_id = grants.id and r.used_at is null order by r.created_at desc limit 1)`.execute(
    db,
  );
  // Kept one per rotation until it expires, so the row is only what reuse detection needs, keyed by the hash's
  // 32 bytes; on SQLite without a rowid, so the key is stored once.
  await db.schema
    .createTable('refresh_tokens_0004')
    .addColumn('token_hash', sqlite ? 'blob' : 'bytea', (c) => c.primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .$call((table) => (sqlite ? table.modifyEnd(sql`without rowid`) : table))
    .execute();
  await sql`insert into refresh_tokens_0004 (token_hash, grant_id, expires_at)
    select ${sqlite ? sql`unhex(token_hash)` : sql`decode(token_hash, 'hex')`}, grant_id, expires_at from refresh_tokens`.execute(db);
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.alterTable('refresh_tokens_0004').renameTo('refresh_tokens').execute();
}
