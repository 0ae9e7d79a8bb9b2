// The counters that slow down guessing, in memory, deciding as store/sign-in-delays.ts, sign-in-devices.ts and
// login-throttle.ts do; each decision is synchronous, as each of theirs is one statement.
import { randomBytes } from 'node:crypto';
import { delayAfter } from '../accounts/sign-in-delay.js';
import { nowSeconds } from '../ports/clock.js';
import type { AttemptCounter, DelayClaim, DelaySchedule, SignInDelayStore, SignInDeviceStore, ThrottleCount } from '../ports/sign-in.js';

interface DelayCounter {
  failures: number;
  lastFailureMs: number;
  previousFailureMs: number;
  claim: string;
}

export class MemorySignInDelays implements SignInDelayStore {
  readonly counters = new Map<string, DelayCounter>();

  /** `clock`: the time in milliseconds, which a test moves on to let a delay pass. */
  constructor(
    readonly quietPeriodMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async claim(key: string, schedule: DelaySchedule): Promise<DelayClaim> {
    const now = this.clock();
    const claim = randomBytes(16).toString('base64url');
    const counter = this.counters.get(key);
    if (!counter || counter.lastFailureMs <= now - this.quietPeriodMs) {
      this.counters.set(key, { failures: 1, lastFailureMs: now, previousFailureMs: 0, claim });
      return { allowed: true, claim };
    }
    const due = counter.failures < schedule.freeFailures || counter.lastFailureMs + delayAfter(schedule, counter.failures) <= now;
    if (!due) return { allowed: false, retryAfterMs: Math.max(1, counter.lastFailureMs + delayAfter(schedule, counter.failures) - now) };
    Object.assign(counter, { failures: counter.failures + 1, previousFailureMs: counter.lastFailureMs, lastFailureMs: now, claim });
    return { allowed: true, claim };
  }

  async withdraw(key: string, claim: string): Promise<void> {
    const counter = this.counters.get(key);
    if (!counter || counter.failures <= 0) return;
    counter.failures--;
    if (counter.claim === claim) counter.lastFailureMs = counter.previousFailureMs;
  }

  async clear(key: string): Promise<void> {
    this.counters.delete(key);
  }
}

export class MemorySignInDevices implements SignInDeviceStore {
  readonly devices = new Map<string, { userId: string; expiresAt: number; failures: number }>();

  async claim(tokenHash: string, userId: string, maxFailures: number): Promise<boolean> {
    const device = this.devices.get(tokenHash);
    if (!device || device.userId !== userId || device.failures >= maxFailures || device.expiresAt <= nowSeconds()) return false;
    device.failures++;
    return true;
  }

  async replace(presentedHash: string | undefined, device: { tokenHash: string; userId: string; expiresAt: number }): Promise<void> {
    if (presentedHash !== undefined) this.devices.delete(presentedHash);
    this.devices.set(device.tokenHash, { userId: device.userId, expiresAt: device.expiresAt, failures: 0 });
  }
}

export class MemoryAttemptCounter implements AttemptCounter {
  readonly windows = new Map<string, ThrottleCount>();

  async recordAttempt(key: string, windowSeconds: number, now: number): Promise<ThrottleCount> {
    const current = this.windows.get(key);
    // An attempt after the window closed starts a new one.
    const closed = !current || current.windowStart <= now - windowSeconds;
    const counted = closed ? { count: 1, windowStart: now } : { ...current, count: current.count + 1 };
    this.windows.set(key, counted);
    return { ...counted };
  }
}
