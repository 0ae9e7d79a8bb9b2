import { nowSeconds } from '../ports/clock.js';
import type { SignInDeviceStore } from '../ports/sign-in.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';

/**
 * Browsers that signed in to an account before, by the SHA-256 of their device cookie (a random 256-bit id, so a
 * plain hash suffices and nothing here could be turned back into a cookie), each with its own failure count.
 */
export class SignInDeviceRepository implements SignInDeviceStore {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /**
   * Counts one attempt of the device for `userId` before its password is checked, and says whether the device may
   * make it: only while the cookie is this user's, unexpired, and its failures are fewer than `maxFailures`. One
   * statement, so parallel attempts with a stolen cookie get no more evaluations than that.
   */
  async claim(tokenHash: string, userId: string, maxFailures: number, now = nowSeconds()): Promise<boolean> {
    const row = await this.store.db
      .updateTable('sign_in_devices')
      .set((eb) => ({ failures: eb('failures', '+', 1) }))
      .where('token_hash', '=', tokenHash)
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('failures', '<', maxFailures)
      .where('expires_at', '>', now)
      .returning('failures')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** After a sign-in: the browser's new device, with no failures, in place of the one it presented (if any). */
  async replace(
    presentedHash: string | undefined,
    device: { tokenHash: string; userId: string; expiresAt: number },
    now = nowSeconds(),
  ): Promise<void> {
    await this.store.writeTransaction(async (db) => {
      if (presentedHash !== undefined)
        await db.deleteFrom('sign_in_devices').where('token_hash', '=', presentedHash).where('tenant_id', '=', this.tenant).execute();
      await db
        .insertInto('sign_in_devices')
        .values({
          tenant_id: this.tenant,
          token_hash: device.tokenHash,
          user_id: device.userId,
          failures: 0,
          created_at: now,
          expires_at: device.expiresAt,
        })
        .execute();
    });
  }

  /** Forgets devices whose cookie has expired, in every tenant; returns how many. */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'sign_in_devices', 'token_hash', (eb) => eb('expires_at', '<', now), pace);
  }
}
