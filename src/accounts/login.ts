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
 */
export class PasswordLogin {
  constructor(
    private readonly users: UserRepository,
    private readonly throttle: LoginThrottleRepository,
  ) {}

  async attempt(username: string, password: string, ip: string): Promise<LoginResult> {
    const accountKey = `user:${username.trim().toLowerCase()}`;
    const ipKey = `ip:${ip}`;
    const [accountFailures, ipFailures] = await Promise.all([
      this.throttle.failures(accountKey, WINDOW_SECONDS),
      this.throttle.failures(ipKey, WINDOW_SECONDS),
    ]);
    if (accountFailures >= MAX_FAILURES_PER_ACCOUNT || ipFailures >= MAX_FAILURES_PER_IP) return { ok: false, reason: 'throttled' };

    const user = await this.users.findByUsername(username);
    const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !valid || user.disabledAt !== null) {
      await Promise.all([this.throttle.recordFailure(accountKey, WINDOW_SECONDS), this.throttle.recordFailure(ipKey, WINDOW_SECONDS)]);
      return { ok: false, reason: 'invalid' };
    }
    await this.throttle.clear(accountKey);
    if (passwordNeedsRehash(user.passwordHash)) await this.users.setPasswordHash(user.id, await hashPassword(password));
    return { ok: true, user };
  }
}
