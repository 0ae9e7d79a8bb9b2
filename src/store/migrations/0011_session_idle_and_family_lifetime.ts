import type { Kysely } from 'kysely';
import { nowSeconds } from '../../ports/clock.js';

/**
 * A session ends when unused for GATEHOUSE_SESSION_IDLE_TIMEOUT, so it records when it was last used. When the
 * sessions open at the upgrade were last used is not known; they count as used at the upgrade, so that none is
 * ended by it, and each still ends by its absolute expiry. The purge finds idle ones by the index.
 * (A refresh-token family's absolute lifetime needs no column: it starts with its grant, at grants.created_at.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.updateTable('sessions').set({ last_seen_at: nowSeconds() }).execute();
  await db.schema.createIndex('sessions_last_seen_at').on('sessions').column('last_seen_at').execute();
}
