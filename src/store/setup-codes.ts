import { nowSeconds } from '../ports/clock.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';

/** How long an expired code is kept, to be told apart from a wrong one. */
const EXPIRED_CODE_KEPT_SECONDS = 86400;

/** A tenant's setup code as stored: its SHA-256 (hex) and when it stops being accepted (epoch seconds). */
export interface StoredSetupCode {
  codeHash: string;
  expiresAt: number;
}

/**
 * The first run's one-time setup code, one row per tenant, in the store so that every server process (`serve
 * --workers N`, several hosts on one PostgreSQL) checks the same code. Only its hash is kept.
 */
export class SetupCodeRepository {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /** Stores the code's hash in place of any earlier code: a new start voids the code the last one printed. */
  async replace(code: StoredSetupCode, now = nowSeconds()): Promise<void> {
    await this.store.db
      .insertInto('setup_codes')
      .values({ tenant_id: this.tenant, code_hash: code.codeHash, created_at: now, expires_at: code.expiresAt })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ code_hash: code.codeHash, created_at: now, expires_at: code.expiresAt }))
      .execute();
  }

  /** The code still accepted, if there is one. */
  async current(now = nowSeconds()): Promise<StoredSetupCode | undefined> {
    const row = await this.store.db
      .selectFrom('setup_codes')
      .select(['code_hash', 'expires_at'])
      .where('tenant_id', '=', this.tenant)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && { codeHash: row.code_hash, expiresAt: row.expires_at };
  }

  /**
   * Uses the code up: true for the one caller whose delete removed it (of the code with `codeHash`, or any unexpired
   * one when undefined). Inside a transaction, the delete holds the row on PostgreSQL until commit, and a concurrent
   * one then finds it gone; SQLite runs one write transaction at a time. So the code makes one administrator at most.
   */
  async consume(codeHash: string | undefined, now = nowSeconds()): Promise<boolean> {
    let query = this.store.db.deleteFrom('setup_codes').where('tenant_id', '=', this.tenant).where('expires_at', '>', now);
    if (codeHash !== undefined) query = query.where('code_hash', '=', codeHash);
    return (await query.executeTakeFirst()).numDeletedRows === 1n;
  }

  /** Voids the code (an administrator exists: the setup page is closed). */
  async remove(): Promise<void> {
    await this.store.db.deleteFrom('setup_codes').where('tenant_id', '=', this.tenant).execute();
  }

  /**
   * Deletes the codes that expired more than a day ago, in every tenant (the purge runs once for the deployment). Until
   * then an expired code is still recognised, so the setup page can say it expired and what to do rather than that it
   * is wrong. A tenant has one row at most, so the table is as big as the tenants that never got an administrator; no
   * index is needed on it.
   */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'setup_codes', 'tenant_id', (eb) => eb('expires_at', '<', now - EXPIRED_CODE_KEPT_SECONDS), pace);
  }
}
