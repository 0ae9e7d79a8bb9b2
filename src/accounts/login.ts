import { randomBytes } from 'node:crypto';
import { nowSeconds } from '../ports/clock.js';
import type { DelaySchedule, SignInDelayStore, SignInDeviceStore } from '../ports/sign-in.js';
import type { User, UserStore } from '../ports/users.js';
import { sha256Hex } from '../tokens/hash.js';
import { dummyPasswordHash, hashPassword, passwordNeedsRehash, verifyPassword } from './passwords.js';
import { normalizeUsername } from './usernames.js';

/**
 * `deviceCookie` is the browser's new device cookie, in place of the one it presented; `knownDevice` says whether the
 * one it presented was this user's (the browser signed in to this account before).
 */
export type LoginResult =
  | { ok: true; user: User; deviceCookie: string; knownDevice: boolean }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; delayed: 'account' | 'address'; retryAfter: number };

/** A device cookie lasts a year (OWASP: long-lived) and is replaced at every sign-in. */
export const DEVICE_COOKIE_TTL_SECONDS = 365 * 86400;
/** Failures a device may make before its cookie stops counting: a stolen one allows no fast guessing either. */
export const MAX_DEVICE_FAILURES = 5;
const DEVICE_COOKIE = /^[\w-]{43}$/;

/**
 * Failures that cost nothing, per account and per client address, then the wait after the next failure (seconds),
 * doubling with each further one up to the longest (GATEHOUSE_SIGN_IN_* in config.ts).
 */
export interface SignInDelaySettings {
  freeFailures: number;
  freeFailuresPerAddress: number;
  firstDelay: number;
  maxDelay: number;
}

/** The schedules of the settings, in milliseconds; a counter starts again after four times the longest delay. */
export function delaySchedules(settings: SignInDelaySettings): { account: DelaySchedule; address: DelaySchedule; quietPeriodMs: number } {
  const delays = { firstDelayMs: settings.firstDelay * 1000, maxDelayMs: settings.maxDelay * 1000 };
  return {
    account: { freeFailures: settings.freeFailures, ...delays },
    address: { freeFailures: settings.freeFailuresPerAddress, ...delays },
    quietPeriodMs: 4 * delays.maxDelayMs,
  };
}

/**
 * Username and password sign-in. A wrong username and a wrong password are one answer and cost the same time.
 * Failures slow down further attempts instead of locking anyone out (OWASP Authentication Cheat Sheet, "Slow down
 * online guessing attacks with device cookies"): per account name and, with more free failures, per client address,
 * an attempt inside the delay of the last failure is refused unchecked. Each evaluation is claimed, and counted as a
 * failure, before the password is checked and decided on what that one statement returned (OWASP ASVS V2.2.1): a
 * burst of parallel guesses gets no more evaluations than the schedule. A success takes its failure back.
 *
 * A browser that signed in to the account before carries a device cookie: its attempts for that account are held
 * back by neither the account's delay nor the address's (which a stranger behind the same proxy could otherwise
 * drive up for everyone), only by its own count, which ends the cookie's standing after a few failures.
 */
export class PasswordLogin {
  private readonly schedules: ReturnType<typeof delaySchedules>;

  constructor(
    private readonly users: UserStore,
    private readonly delays: SignInDelayStore,
    private readonly devices: SignInDeviceStore,
    settings: SignInDelaySettings,
  ) {
    this.schedules = delaySchedules(settings);
  }

  async attempt(username: string, password: string, ip: string, deviceCookie?: string): Promise<LoginResult> {
    const accountKey = `user:${normalizeUsername(username)}`;
    const addressKey = `ip:${ip}`;
    const user = await this.users.findByUsername(username);
    const presentedDevice = deviceCookie !== undefined && DEVICE_COOKIE.test(deviceCookie) ? sha256Hex(deviceCookie) : undefined;
    const knownDevice =
      user !== undefined && presentedDevice !== undefined && (await this.devices.claim(presentedDevice, user.id, MAX_DEVICE_FAILURES));
    const evaluation = knownDevice ? undefined : await claimEvaluation(this.delays, this.schedules, accountKey, addressKey);
    if (evaluation?.refused) return evaluation.refused;

    const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !valid || user.disabledAt !== null) return { ok: false, reason: 'invalid' };
    // A success through the device cookie (no evaluation claimed) leaves the account's count alone: clearing it would
    // give whoever is guessing from elsewhere a fresh set of free failures every time the owner signs in.
    if (evaluation) await Promise.all([this.delays.clear(accountKey), this.delays.withdraw(addressKey, evaluation.addressClaim)]);
    if (passwordNeedsRehash(user.passwordHash)) await this.users.setPasswordHash(user.id, await hashPassword(password));
    const newDevice = randomBytes(32).toString('base64url');
    const expiresAt = nowSeconds() + DEVICE_COOKIE_TTL_SECONDS;
    await this.devices.replace(presentedDevice, { tokenHash: sha256Hex(newDevice), userId: user.id, expiresAt });
    return { ok: true, user, deviceCookie: newDevice, knownDevice };
  }
}

/** An evaluation claimed from both delays (with the address's claim, to take back after a success), or refused. */
export type Evaluation = { refused: Extract<LoginResult, { reason: 'throttled' }> } | { refused?: undefined; addressClaim: string };

/**
 * Claims the evaluation of one guess of a secret (a password, the first run's setup code) from the delays of its
 * account key and of the client's address. The address first: an attempt it refuses never touches the account's
 * count. One the account then refuses takes its address failure back, so that an attempt refused unchecked is counted
 * nowhere.
 */
export async function claimEvaluation(
  delays: SignInDelayStore,
  schedules: { account: DelaySchedule; address: DelaySchedule },
  accountKey: string,
  addressKey: string,
): Promise<Evaluation> {
  const address = await delays.claim(addressKey, schedules.address);
  if (!address.allowed) return { refused: throttled('address', address.retryAfterMs) };
  const account = await delays.claim(accountKey, schedules.account);
  if (account.allowed) return { addressClaim: address.claim };
  await delays.withdraw(addressKey, address.claim);
  return { refused: throttled('account', account.retryAfterMs) };
}

const throttled = (delayed: 'account' | 'address', retryAfterMs: number): Extract<LoginResult, { reason: 'throttled' }> => ({
  ok: false,
  reason: 'throttled',
  delayed,
  retryAfter: Math.ceil(retryAfterMs / 1000),
});
