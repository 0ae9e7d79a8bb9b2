/**
 * The counters that slow down guessing (accounts/login.ts, accounts/signup.ts), kept by the store so that every
 * server process sees the same state (store/sign-in-delays.ts, sign-in-devices.ts, login-throttle.ts). Each decides
 * in one statement, so that a burst of parallel attempts gets no more evaluations than the schedule allows.
 */

/**
 * When a key's next sign-in attempt may be evaluated: the first `freeFailures` failures cost nothing, then each
 * further one makes the next attempt wait `firstDelayMs`, doubling per failure up to `maxDelayMs`.
 */
export interface DelaySchedule {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** What claiming an evaluation came to: allowed (with the claim, to withdraw it), or refused with the milliseconds left. */
export type DelayClaim = { allowed: true; claim: string } | { allowed: false; retryAfterMs: number };

/** Failed sign-ins per opaque key (`user:alice`, `ip:203.0.113.7`), each with a growing delay and no hard lock. */
export interface SignInDelayStore {
  /** Asks to evaluate one attempt and, when the key's delay has passed, counts it as a failure at once. */
  claim(key: string, schedule: DelaySchedule): Promise<DelayClaim>;
  /** Takes back the failure a claim counted, for an attempt that was not evaluated after all or succeeded. */
  withdraw(key: string, claim: string): Promise<void>;
  /** Forgets the key's failures. */
  clear(key: string): Promise<void>;
}

/** Browsers that signed in to an account before, by the SHA-256 of their device cookie, each with its own failure count. */
export interface SignInDeviceStore {
  /**
   * Counts one attempt of the device for `userId` before its password is checked, and says whether the device may
   * make it: only while the cookie is this user's, unexpired, and its failures are fewer than `maxFailures`.
   */
  claim(tokenHash: string, userId: string, maxFailures: number): Promise<boolean>;
  /** After a sign-in: the browser's new device, with no failures, in place of the one it presented (if any). */
  replace(presentedHash: string | undefined, device: { tokenHash: string; userId: string; expiresAt: number }): Promise<void>;
}

/** An attempt's place in its key's window: the count including it, and the window it was counted in. */
export interface ThrottleCount {
  count: number;
  windowStart: number;
}

/** Attempts per key in fixed windows (`signup:203.0.113.7`), counted when they start. */
export interface AttemptCounter {
  /** Counts one attempt for `key` at `now` and returns the count with it; an attempt after the window starts a new one. */
  recordAttempt(key: string, windowSeconds: number, now: number): Promise<ThrottleCount>;
}
