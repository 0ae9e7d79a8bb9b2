import { nowSeconds } from '../ports/clock.js';
import type { PageKeyStore, SealedPageKey } from '../ports/keys.js';
import type { Store } from './database.js';

/** The pages' random keys, each stored sealed under the master key (src/keys/page-keys.ts). */
export class PageKeyRepository implements PageKeyStore {
  constructor(private readonly store: Store) {}

  async list(): Promise<SealedPageKey[]> {
    const rows = await this.store.db.selectFrom('page_keys').select(['name', 'key_sealed']).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, sealed: row.key_sealed }));
  }

  /**
   * Stores the key under its name unless one is there: several processes starting at once on a new store each offer
   * one, the first insert wins, and every process then reads back the same key.
   */
  async addIfAbsent(key: SealedPageKey): Promise<void> {
    await this.store.db
      .insertInto('page_keys')
      .values({ name: key.name, key_sealed: key.sealed, created_at: nowSeconds() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
  }
}
