import { nowSeconds } from '../ports/clock.js';
import { RefusedError } from '../ports/refused-error.js';
import type { AttemptCounter } from '../ports/sign-in.js';
import type { NewAccount, User, UserRegistration } from '../ports/users.js';
import { hashPassword } from './passwords.js';
import { normalizeUsername } from './usernames.js';

/**
 * What a self sign-up came to. `taken` and `created` must look the same to the person signing up (OWASP ASVS V2/V3:
 * no account enumeration), so the page answers both alike and signs no one in; `throttled` carries the seconds left.
 */
export type SignupResult =
  | { outcome: 'created'; user: Pick<User, 'id' | 'username'> }
  | { outcome: 'taken' }
  | { outcome: 'throttled'; retryAfter: number };

export const SIGNUP_WINDOW_SECONDS = 15 * 60;
// Per address: a household or office signing up together fits; a script enumerating names or burning CPU does not.
export const MAX_SIGNUPS_PER_IP = 10;

/**
 * Names a stranger could use to pass for the operator or a mail role (RFC 2142). Only self sign-up refuses them:
 * an operator may still create them through the CLI or the admin API.
 */
const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'gatehouse',
  'support',
  'security',
  'postmaster',
  'webmaster',
  'hostmaster',
  'abuse',
  'noreply',
]);

export const isReservedUsername = (username: string): boolean => RESERVED_USERNAMES.has(normalizeUsername(username));

/**
 * Self sign-up on the public page. Each attempt is counted per client address before any password is hashed and
 * decided on the count it got, as sign-in does, so a burst gets no more argon2 runs than the limit. A taken name
 * costs the same hash as a free one, so neither the answer nor its time tells a stranger that the name exists.
 */
export class SelfSignup {
  constructor(
    private readonly registration: UserRegistration,
    private readonly throttle: AttemptCounter,
  ) {}

  /** Throws RefusedError for input that is not valid (a reserved name among it), before anything is counted. */
  async signUp(input: NewAccount, ip: string): Promise<SignupResult> {
    if (isReservedUsername(input.username)) throw new RefusedError('this username is reserved; choose another');
    const now = nowSeconds();
    const attempt = await this.throttle.recordAttempt(`signup:${ip}`, SIGNUP_WINDOW_SECONDS, now);
    if (attempt.count > MAX_SIGNUPS_PER_IP) {
      return { outcome: 'throttled', retryAfter: Math.max(1, attempt.windowStart + SIGNUP_WINDOW_SECONDS - now) };
    }
    try {
      return { outcome: 'created', user: await this.registration.createUser(input) };
    } catch (error) {
      if (!(error instanceof RefusedError) || error.kind !== 'conflict') throw error;
      // createUser refuses a taken name before hashing; hash anyway so a taken name costs what a free one does.
      await hashPassword(input.password);
      return { outcome: 'taken' };
    }
  }
}
