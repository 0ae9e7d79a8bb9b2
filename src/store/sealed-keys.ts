import type { SealedKey, SealedKeyStore } from '../ports/keys.js';
import type { Store } from './database.js';

/** Everything the store keeps sealed under the master key, for re-sealing it under a new one. */
export class SealedKeyRepository implements SealedKeyStore {
  constructor(private readonly store: Store) {}

  /**
   * Gives every sealed value to `reseal` and stores what it returns in its place (undefined: left as it is), all in
   * one transaction: a failure half way leaves every value as it was, sealed under the previous key.
   * Returns how many were replaced.
   */
  async resealAll(reseal: (key: SealedKey) => string | undefined): Promise<number> {
    const replaced = await this.store.writeTransaction(async (trx) => {
      let count = 0;
      const signing = trx.selectFrom('signing_keys').select(['kid', 'private_jwk_sealed']).where('private_jwk_sealed', 'is not', null);
      for (const row of await signing.execute()) {
        const sealed = reseal({ kind: 'signing-key', id: row.kid, sealed: row.private_jwk_sealed! });
        if (sealed === undefined) continue;
        await trx.updateTable('signing_keys').set({ private_jwk_sealed: sealed }).where('kid', '=', row.kid).execute();
        count += 1;
      }
      for (const row of await trx.selectFrom('page_keys').select(['name', 'key_sealed']).execute()) {
        const sealed = reseal({ kind: 'page-key', id: row.name, sealed: row.key_sealed });
        if (sealed === undefined) continue;
        await trx.updateTable('page_keys').set({ key_sealed: sealed }).where('name', '=', row.name).execute();
        count += 1;
      }
      return count;
    });
    if (replaced > 0) await this.store.announceChange();
    return replaced;
  }
}
