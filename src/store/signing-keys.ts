import type { Kysely, Selectable } from 'kysely';
import { nowSeconds } from '../ports/clock.js';
import type { NewSigningKey, SigningKeyRecord, SigningKeyStore } from '../ports/keys.js';
import type { Store } from './database.js';
import { isUniqueViolation } from './errors.js';
import type { Database, SigningKeysTable } from './schema.js';

const toRecord = (row: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  kid: row.kid,
  alg: row.alg,
  publicJwk: row.public_jwk,
  privateJwkSealed: row.private_jwk_sealed,
  status: row.status,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
  publishUntil: row.publish_until,
});

/** The kid of the algorithm's active key, read inside the transaction that is about to change it. */
async function activeKid(trx: Kysely<Database>, tenant: string, alg: string): Promise<string | undefined> {
  const row = await trx
    .selectFrom('signing_keys')
    .select('kid')
    .where('tenant_id', '=', tenant)
    .where('alg', '=', alg)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row?.kid;
}

export class SigningKeyRepository implements SigningKeyStore {
  /** The keys of one tenant: each tenant signs with its own (own kids, own rotation). */
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /** Keys whose public part belongs in the JWKS now: the active ones and retired ones still covering tokens. */
  async listPublishable(now = nowSeconds()): Promise<SigningKeyRecord[]> {
    const rows = await this.store.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where((eb) => eb.or([eb('status', '=', 'active'), eb('publish_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  async listAll(): Promise<SigningKeyRecord[]> {
    const rows = await this.store.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  /** Adds an active key for its algorithm, or does nothing when one is there already (another process won). */
  async addFirst(key: NewSigningKey): Promise<void> {
    try {
      await this.store.writeTransaction(async (trx) => {
        if (!(await activeKid(trx, this.tenant, key.alg))) await trx.insertInto('signing_keys').values(this.row(key)).execute();
      });
    } catch (error) {
      // The one-active-key index refused ours: a concurrent start created the key first, which is all we wanted.
      if (!isUniqueViolation(error)) throw error;
    }
    await this.store.announceChange();
  }

  /** Retires the active key of the algorithm (publishing it until `publishUntil`) and activates `key`. */
  async rotate(key: NewSigningKey, publishUntil: number): Promise<string | undefined> {
    try {
      return await this.rotateOnce(key, publishUntil);
    } catch (error) {
      // Two rotations at once: the other one's new key is active now, so retire that one in turn.
      if (!isUniqueViolation(error)) throw error;
      return this.rotateOnce(key, publishUntil);
    }
  }

  private async rotateOnce(key: NewSigningKey, publishUntil: number): Promise<string | undefined> {
    const now = nowSeconds();
    const retired = await this.store.writeTransaction(async (trx) => {
      const current = await activeKid(trx, this.tenant, key.alg);
      if (current) {
        await trx
          .updateTable('signing_keys')
          .set({ status: 'retired', retired_at: now, publish_until: publishUntil })
          .where('kid', '=', current)
          .where('tenant_id', '=', this.tenant)
          .execute();
      }
      await trx.insertInto('signing_keys').values(this.row(key)).execute();
      return current;
    });
    await this.store.announceChange();
    return retired;
  }

  /** A retired key that no valid token can need any more has its private part destroyed. */
  async destroyExpiredPrivateParts(now = nowSeconds()): Promise<void> {
    await this.store.db
      .updateTable('signing_keys')
      .set({ private_jwk_sealed: null })
      .where('tenant_id', '=', this.tenant)
      .where('status', '=', 'retired')
      .where('publish_until', '<=', now)
      .where('private_jwk_sealed', 'is not', null)
      .execute();
  }

  private row(key: NewSigningKey) {
    return {
      tenant_id: this.tenant,
      kid: key.kid,
      alg: key.alg,
      public_jwk: key.publicJwk,
      private_jwk_sealed: key.privateJwkSealed,
      status: 'active' as const,
      created_at: nowSeconds(),
      retired_at: null,
      publish_until: null,
    };
  }
}
