import { randomInt } from 'node:crypto';
import { claimEvaluation, delaySchedules, type SignInDelaySettings } from '../accounts/login.js';
import type { UserView } from '../admin/views.js';
import type { TenantGatehouse } from '../gatehouse.js';
import type { Actor } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import type { Repositories } from '../store/repositories.js';
import { secretMatchesHash, sha256Hex } from '../tokens/hash.js';
import { ADMIN_ROLE } from './builtins.js';
import type { RoleManagement } from './roles.js';
import type { NewUserInput, UserManagement } from './users.js';

/** How long a setup code is accepted after the start that printed it. */
export const SETUP_CODE_TTL_SECONDS = 3600;
/**
 * Crockford's base32: no I, L, O or U, so that a code read off a terminal is typed back without mistaking 1 for l or
 * 0 for O (normalizeCode maps those back).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 28 characters of 5 bits: 140 random bits, shown in seven groups of four. */
const CODE_LENGTH = 28;
const GROUP = 4;
/** The actor of the first administrator's creation: nobody is signed in yet, so the setup step itself is named. */
const setupActor = (ip: string): Actor => ({ actor: 'setup', actor_type: 'system', ip });
/**
 * The delay keys of guesses at the setup code: all of them together (the "account"), and per client address. A
 * stranger's guesses may so slow down the operator's remote entry of the code too (never for longer than the longest
 * sign-in delay); the browser on the server's machine and the CLI are never held back.
 */
const CODE_KEY = 'setup:code';
const addressKey = (ip: string) => `setup:ip:${ip}`;

/** A setup code as printed at start, and when it stops being accepted (epoch seconds). */
export interface IssuedSetupCode {
  code: string;
  expiresAt: number;
}

/** How the person at the setup page shows they run this server: the code printed at start, or being on this machine. */
export type SetupProof = { code: string } | { fromThisMachine: true };

/**
 * What a setup attempt came to. `closed`: an administrator exists (or was made by a concurrent attempt), the page is
 * gone. `expired`: no code is accepted any more (an hour passed, or it was used up); a restart prints a new one.
 */
export type SetupResult =
  | { outcome: 'created'; user: UserView }
  | { outcome: 'wrong_code' }
  | { outcome: 'throttled'; retryAfter: number }
  | { outcome: 'expired' }
  | { outcome: 'closed' };

/** Thrown inside the creating transaction to roll it back when the setup can no longer make this administrator. */
class SetupRefused extends Error {
  constructor(readonly outcome: 'expired' | 'closed') {
    super(outcome);
  }
}

/** The code as typed, in the form it was hashed in: upper case, no separators, the look-alike letters as digits. */
export function normalizeCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/**
 * The platform's first run (default tenant only: other tenants get their administrators from the platform). While no
 * active administrator exists, each start of the server issues a one-time setup code, printed once and stored only as
 * its SHA-256 in the store (so every worker and host checks the same one), replacing the last start's code and
 * expiring after SETUP_CODE_TTL_SECONDS. The setup page trades it (or, from this machine, nothing) for the first
 * administrator. Guesses are slowed down like sign-in attempts; the code is 140 random bits, so this is a backstop.
 */
export class FirstRunSetup {
  private readonly schedules: ReturnType<typeof delaySchedules>;

  constructor(
    private readonly repositories: Repositories,
    private readonly users: UserManagement,
    private readonly roles: RoleManagement,
    delays: SignInDelaySettings,
  ) {
    this.schedules = delaySchedules(delays);
  }

  /** Whether the setup page is open: no active user holds the admin role. */
  async needed(): Promise<boolean> {
    return !(await this.users.hasAdministrator());
  }

  /** At start: a new code while there is no administrator (the last start's code is then void), none otherwise. */
  async issueCode(now = nowSeconds()): Promise<IssuedSetupCode | undefined> {
    if (!(await this.needed())) {
      await this.repositories.setupCodes.remove();
      return undefined;
    }
    const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const expiresAt = now + SETUP_CODE_TTL_SECONDS;
    await this.repositories.setupCodes.replace({ codeHash: sha256Hex(characters), expiresAt }, now);
    return { code: characters.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-'), expiresAt };
  }

  /**
   * Creates the first administrator, audited as user.created by the actor "setup". The code (or, from this machine,
   * any unexpired code) is used up in the same transaction that checks there is still no administrator and inserts
   * the user: of concurrent attempts, one creates an administrator and the others find the page closed. Throws
   * ManagementError for input the users' rules refuse (the password policy among them), using nothing up.
   */
  async createAdministrator(input: Omit<NewUserInput, 'roles'>, proof: SetupProof, ip: string): Promise<SetupResult> {
    if (!(await this.needed())) return { outcome: 'closed' };
    let codeHash: string | undefined;
    if ('code' in proof) {
      const evaluation = await claimEvaluation(this.repositories.signInDelays, this.schedules, CODE_KEY, addressKey(ip));
      if (evaluation.refused) return { outcome: 'throttled', retryAfter: evaluation.refused.retryAfter };
      const stored = await this.repositories.setupCodes.current();
      // None left may also mean a concurrent attempt has just used it up making the administrator: the page is closed.
      if (!stored) return { outcome: (await this.needed()) ? 'expired' : 'closed' };
      // Compared as hashes in constant time: how long the answer takes tells nothing of how much of a guess was right.
      if (!secretMatchesHash(normalizeCode(proof.code), stored.codeHash)) return { outcome: 'wrong_code' };
      codeHash = stored.codeHash;
      // The right code is no failure: a password the policy refuses next must not make the operator wait.
      await this.repositories.signInDelays.clear(CODE_KEY);
      await this.repositories.signInDelays.withdraw(addressKey(ip), evaluation.addressClaim);
    }
    const role = await this.roles.ensureAdminRole();
    try {
      const user = await this.users.createUser({ ...input, roles: [role] }, setupActor(ip), async (tx) => {
        if (!(await tx.setupCodes.consume(codeHash))) throw new SetupRefused('expired');
        if (await tx.users.hasActiveHolderOf(ADMIN_ROLE)) throw new SetupRefused('closed');
      });
      return { outcome: 'created', user };
    } catch (error) {
      if (!(error instanceof SetupRefused)) throw error;
      // The code was used up by a concurrent attempt that made the administrator: this one finds the page closed.
      return { outcome: (await this.needed()) ? error.outcome : 'closed' };
    }
  }
}

/** The first run of the platform: the default tenant's services, with the deployment's sign-in delays. */
export const firstRunOf = (platform: TenantGatehouse): FirstRunSetup =>
  new FirstRunSetup(platform.repositories, platform.management.users, platform.management.roles, platform.config.signInDelays);
