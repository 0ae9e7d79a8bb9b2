// The stores keys/ seals its keys into, in memory: each as the port says, no more.
import { nowSeconds } from '../ports/clock.js';
import type { PageKeyStore, SealedKeyStore, SealedPageKey, SigningKeyRecord, SigningKeyStore } from '../ports/keys.js';

export class MemorySigningKeys implements SigningKeyStore {
  readonly rows: SigningKeyRecord[] = [];

  async listPublishable(now: number): Promise<SigningKeyRecord[]> {
    const publishable = this.rows.filter((row) => row.status === 'active' || (row.publishUntil !== null && row.publishUntil > now));
    return publishable.map((row) => ({ ...row }));
  }

  async listAll(): Promise<SigningKeyRecord[]> {
    return this.rows.map((row) => ({ ...row }));
  }

  async addFirst(key: Parameters<SigningKeyStore['addFirst']>[0]): Promise<void> {
    if (!this.rows.some((row) => row.alg === key.alg && row.status === 'active')) this.rows.push(this.record(key));
  }

  async rotate(key: Parameters<SigningKeyStore['rotate']>[0], publishUntil: number): Promise<string | undefined> {
    const current = this.rows.find((row) => row.alg === key.alg && row.status === 'active');
    if (current) Object.assign(current, { status: 'retired', retiredAt: nowSeconds(), publishUntil });
    this.rows.push(this.record(key));
    return current?.kid;
  }

  async destroyExpiredPrivateParts(now: number): Promise<void> {
    for (const row of this.rows) {
      if (row.status === 'retired' && row.publishUntil !== null && row.publishUntil <= now) row.privateJwkSealed = null;
    }
  }

  private record(key: Parameters<SigningKeyStore['addFirst']>[0]): SigningKeyRecord {
    return { ...key, status: 'active', createdAt: nowSeconds(), retiredAt: null, publishUntil: null };
  }
}

export class MemoryPageKeys implements PageKeyStore {
  readonly rows: SealedPageKey[] = [];

  async list(): Promise<SealedPageKey[]> {
    return this.rows.map((row) => ({ ...row }));
  }

  async addIfAbsent(key: SealedPageKey): Promise<void> {
    if (!this.rows.some((row) => row.name === key.name)) this.rows.push({ ...key });
  }
}

/** Everything sealed in the two stores above, re-sealed in place as SealedKeyRepository does in one transaction. */
export const sealedKeysOf = (signing: MemorySigningKeys, pages: MemoryPageKeys): SealedKeyStore => ({
  resealAll: async (reseal) => {
    let count = 0;
    for (const row of signing.rows) {
      const sealed = row.privateJwkSealed === null ? undefined : reseal({ kind: 'signing-key', id: row.kid, sealed: row.privateJwkSealed });
      if (sealed !== undefined) [row.privateJwkSealed, count] = [sealed, count + 1];
    }
    for (const row of pages.rows) {
      const sealed = reseal({ kind: 'page-key', id: row.name, sealed: row.sealed });
      if (sealed !== undefined) [row.sealed, count] = [sealed, count + 1];
    }
    return count;
  },
});
