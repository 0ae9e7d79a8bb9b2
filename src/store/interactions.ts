import { nowSeconds } from '../ports/clock.js';
import type { AnsweredInteractions } from '../ports/interactions.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';

/**
 * The ids of finished interactions (a code issued or the request denied), so that each is answered once. Pending
 * interactions are not stored: they travel sealed in the browser (src/oauth/interaction-seal.ts). A row is written
 * only after the user signed in or consented, and is kept only while the sealed interaction could still be
 * presented.
 */
export class InteractionRepository implements AnsweredInteractions {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /** Marks the interaction finished; false when another request finished it first. */
  async consume(id: string, expiresAt: number): Promise<boolean> {
    const result = await this.store.db
      .insertInto('interactions')
      .values({ tenant_id: this.tenant, id, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async isConsumed(id: string): Promise<boolean> {
    return (
      (await this.store.db
        .selectFrom('interactions')
        .select('id')
        .where('id', '=', id)
        .where('tenant_id', '=', this.tenant)
        .executeTakeFirst()) !== undefined
    );
  }

  /** Returns how many were deleted, in every tenant (the purge runs once for the deployment). */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'interactions', 'id', (eb) => eb('expires_at', '<', now), pace);
  }
}
