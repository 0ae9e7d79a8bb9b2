import type { Store } from './database.js';
import { nowSeconds } from './json-list.js';
import { deleteInBatches, inPurgeBatch } from './purge.js';

/**
 * Failed sign-in counters in fixed windows, kept in the store so that every server process sees the same count.
 * Keys are opaque strings such as `user:alice` or `ip:203.0.113.7`.
 */
export class LoginThrottleRepository {
  constructor(private readonly store: Store) {}

  /** Failures counted for `key` in the window that is still open. */
  async failures(key: string, windowSeconds: number, now = nowSeconds()): Promise<number> {
    const row = await this.store.db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    return row && row.window_start > now - windowSeconds ? row.failures : 0;
  }

  async recordFailure(key: string, windowSeconds: number, now = nowSeconds()): Promise<void> {
    await this.store.db
      .insertInto('login_throttle')
      .values({ key, failures: 1, window_start: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          // A failure after the window closed starts a new one.
          failures: eb.case().when('login_throttle.window_start', '<=', now - windowSeconds).then(1).else(eb('login_throttle.failures', '+', 1)).end(),
          window_start: eb.case().when('login_throttle.window_start', '<=', now - windowSeconds).then(now).else(eb.ref('login_throttle.window_start')).end(),
        })),
      )
      .execute();
  }

  async clear(key: string): Promise<void> {
    await this.store.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  /** Forgets counters whose window closed long ago; returns how many. */
  async purgeOlderThan(windowSeconds: number, now = nowSeconds()): Promise<number> {
    const { db, dialect } = this.store;
    const closed = (limit: number) =>
      inPurgeBatch(dialect, 'key', db.selectFrom('login_throttle').select('key').where('window_start', '<', now - windowSeconds).limit(limit));
    return deleteInBatches((limit) => db.deleteFrom('login_throttle').where(closed(limit)).executeTakeFirst());
  }
}
