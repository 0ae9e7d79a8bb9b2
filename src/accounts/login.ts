import type { LoginThrottleRepository } from '../store/login-throttle.js';
import type { User, UserRepository } from '../store/users.js';
import { dummyPasswordHash, hashPassword, passwordNeedsRehash, verifyPassword } from './passwords.js';

export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'throttled' };

const WINDOW_SECONDS = 15 * 60;
// Per account: enough for typos, far too few for guessing. Per address: a shared office NAT still fits.
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_IP = 50;

/**
 * Username and password sign-in. A wrong username and a wrong password are one answer and cost the same time;
 * repeated failures lock the account name and the client address out for the rest of a 15-minute window.
 * Each attempt is counted before the password is checked and decided on the count it got (OWASP ASVS V2.2.1): a
 * burst of parallel guesses gets no more evaluations than the limit. An attempt refused unchecked is withdrawn again;
 * a success clears the account's counter and withdraws itself from the address's, so only failures stay counted.
 */
export class PasswordLogin {
  constructor(
    private readonly users: UserRepository,
    private readonly throttle: LoginThrottleRepository,
  ) {}

  async attempt(username: string, password: string, ip: string): Promise<LoginResult> {
    const accountKey = `user:${username.trim().toLowerCase()}`;
    const ipKey = `ip:${ip}`;
    const [account, address] = await Promise.all([
      this.throttle.recordAttempt(accountKey, WINDOW_SECONDS),
      this.throttle.recordAttempt(ipKey, WINDOW_SECONDS),
    ]);
    if (account.count > MAX_FAILURES_PER_ACCOUNT || address.count > MAX_FAILURES_PER_IP) {
      await Promise.all([this.throttle.withdrawAttempt(accountKey, account), this.throttle.withdrawAttempt(ipKey, address)]);
      return { ok: false, reason: 'throttled' };
    }

    const user = await this.users.findByUsername(username);
    const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !valid || user.disabledAt !== null) return { ok: false, reason: 'invalid' };
    await Promise.all([this.throttle.clear(accountKey), this.throttle.withdrawAttempt(ipKey, address)]);
    if (passwordNeedsRehash(user.passwordHash)) await this.users.setPasswordHash(user.id, await hashPassword(password));
    return { ok: true, user };
  }
}
