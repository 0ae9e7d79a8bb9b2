import { type Kysely, sql } from 'kysely';

/**
 * A consent is for the API (RFC 8707 audience) the app asked to access, so one for API A does not cover API B.
 * '' stands for the default API, whatever GATEHOUSE_AUDIENCE names, which is what every consent before this was
 * for. The key grows by the audience; neither database can change a primary key in place, so the table is copied.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('consents_0009')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_audience_pk', ['user_id', 'client_id', 'audience'])
    .execute();
  await sql`insert into consents_0009 (user_id, client_id, audience, scopes, granted_at)
    select user_id, client_id, '', scopes, granted_at from consents`.execute(db);
  await db.schema.dropTable('consents').execute();
  await db.schema.alterTable('consents_0009').renameTo('consents').execute();
}
