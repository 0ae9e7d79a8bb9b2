import { nowSeconds } from '../ports/clock.js';
import type { AttemptCounter, ThrottleCount } from '../ports/sign-in.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';

/**
 * Attempt counters in fixed windows, kept in the store so that every server process sees the same count: self
 * sign-ups per address (`signup:203.0.113.7`). An attempt is counted when it starts, so a count includes those in
 * progress. (Failed sign-ins have growing delays instead: sign-in-delays.ts.)
 */
export class LoginThrottleRepository implements AttemptCounter {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  /**
   * Counts one attempt for `key` and returns the count with it, in one statement: parallel attempts each see their
   * own count, so a caller that decides on it lets no more than the limit through however many arrive at once
   * (reading first and writing after the check let 100 parallel guesses all be evaluated).
   */
  async recordAttempt(key: string, windowSeconds: number, now = nowSeconds()): Promise<ThrottleCount> {
    const row = await this.store.db
      .insertInto('login_throttle')
      .values({ tenant_id: this.tenant, key, failures: 1, window_start: now })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({
          // An attempt after the window closed starts a new one.
          failures: eb
            .case()
            .when('login_throttle.window_start', '<=', now - windowSeconds)
            .then(1)
            .else(eb('login_throttle.failures', '+', 1))
            .end(),
          window_start: eb
            .case()
            .when('login_throttle.window_start', '<=', now - windowSeconds)
            .then(now)
            .else(eb.ref('login_throttle.window_start'))
            .end(),
        })),
      )
      .returning(['failures', 'window_start'])
      .executeTakeFirstOrThrow();
    return { count: row.failures, windowStart: row.window_start };
  }

  /** Forgets counters whose window closed long ago, in every tenant; returns how many. */
  async purgeOlderThan(windowSeconds: number, now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'login_throttle', 'key', (eb) => eb('window_start', '<', now - windowSeconds), pace);
  }
}
