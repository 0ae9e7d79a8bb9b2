import type { Kysely } from 'kysely';

/**
 * What each of an API's scopes lets an app do, in words the consent page shows the user ("Read your orders") instead
 * of the scope's name. A JSON object from scope to text; an API registered before this has none ('{}').
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('apis')
    .addColumn('scope_descriptions', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}
