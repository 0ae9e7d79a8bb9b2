import { randomUUID } from 'node:crypto';
import { passwordProblem } from '../accounts/password-policy.js';
import { hashPassword } from '../accounts/passwords.js';
import { normalizeUsername } from '../accounts/usernames.js';
import type { DeletionImpact, UserView } from '../admin/views.js';
import type { Actor } from '../ports/audit.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { User, UserRegistration } from '../ports/users.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Repositories } from '../store/repositories.js';
import { searchText } from '../store/search.js';
import { auditedTransaction } from './audit.js';
import { ADMIN_ROLE } from './builtins.js';
import { deletionImpact } from './deletion.js';
import { decodeCursor, type ListQuery, type Page, pageOf, pageSize } from './paging.js';
import { checkQuota, knownRoles, ManagementError } from './validation.js';

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewUserInput {
  username: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  roles?: string[];
}

export const toUserView = (user: User): UserView => ({
  id: user.id,
  username: user.username,
  email: user.email,
  email_verified: user.emailVerified,
  name: user.name,
  roles: user.roles,
  status: user.disabledAt === null ? 'active' : 'disabled',
  created_at: user.createdAt,
  updated_at: user.updatedAt,
});

/** A browser session as the admin API lists it. */
export interface SessionSummary {
  id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  auth_time: number;
  ip: string;
  user_agent: string;
}

/** One entry per client and API (RFC 8707 audience): a consent covers the API it was given for. */
export interface ConsentSummary {
  client_id: string;
  client_name: string;
  audience: string;
  scopes: string[];
  granted_at: number;
}

/**
 * The people who sign in, with their consents and sessions, for the CLI, the admin API and the account page alike.
 * Every change is one transaction with its audit event.
 */
export class UserManagement implements UserRegistration {
  constructor(
    private readonly repositories: Repositories,
    private readonly quotas: TenantQuotas,
  ) {}

  /**
   * Creates a user; with an `actor` (an administrator), the event user.created is recorded with it. Self sign-up
   * gives none: the person is not anyone yet, and the sign-up page records user.signed_up by the new user.
   * `guard` runs first inside the transaction and may refuse by throwing: the first run's setup (first-run.ts)
   * uses up its code and checks that there is still no administrator atomically with the insert.
   */
  async createUser(input: NewUserInput, actor?: Actor, guard?: (tx: Repositories) => Promise<void>): Promise<UserView> {
    const username = normalizeUsername(input.username ?? '');
    if (!USERNAME.test(username)) {
      throw new ManagementError('a username is 1-64 characters: letters, digits, and . _ @ + - (not first)', 'invalid', '/username');
    }
    const password = input.password ?? '';
    const email = checkEmail(input.email);
    const name = checkName(input.name);
    // Judged before the name is looked up, so that self sign-up answers a weak password alike for free and taken names.
    const problem = await passwordProblem(password, { username, email, name });
    if (problem !== undefined) throw new ManagementError(problem, 'invalid', '/password');
    const roles = await knownRoles(this.repositories.roles, input.roles ?? []);
    if (await this.repositories.users.findByUsername(username))
      throw new ManagementError(`the username "${username}" is taken`, 'conflict', '/username');
    // Hashed before the transaction: on SQLite an open write transaction holds every other writer.
    const passwordHash = await hashPassword(password);
    try {
      return await auditedTransaction(this.repositories, async (tx, audit) => {
        await guard?.(tx);
        await checkQuota(this.quotas.maxUsers, () => tx.users.count(), 'users');
        const user = await tx.users.create({
          id: randomUUID(),
          username,
          passwordHash,
          email,
          emailVerified: input.emailVerified === true,
          name,
          roles,
        });
        if (actor) await audit.record(actor, 'user.created', user.id, { username: user.username, roles: user.roles });
        return toUserView(user);
      });
    } catch (error) {
      // Two sign-ups racing for one name: the unique index decides.
      if (isUniqueViolation(error)) throw new ManagementError(`the username "${username}" is taken`, 'conflict', '/username');
      throw error;
    }
  }

  /** Whether anyone can administer this tenant: an active user holding the admin role (the first run has none). */
  hasAdministrator(): Promise<boolean> {
    return this.repositories.users.hasActiveHolderOf(ADMIN_ROLE);
  }

  /** A page of the tenant's users in creation order; `search` looks in their ids, usernames, emails and names. */
  async listUsers(query: ListQuery = {}): Promise<Page<UserView>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.after, ['number', 'string'] as const);
    const rows = await this.repositories.users.list({ search: searchText(query.search), after, limit: limit + 1 });
    return pageOf(rows.map(toUserView), limit, (user) => [user.created_at, user.username]);
  }

  async getUser(idOrUsername: string): Promise<UserView> {
    return toUserView(await findUser(this.repositories, idOrUsername));
  }

  /**
   * A disabled user cannot sign in, their sessions end, and every grant they gave is revoked — refresh tokens and
   * access tokens alike — so that enabling them again does not bring back tokens someone may have stolen. All of
   * it, and its event, is one transaction: a user is never left disabled with live sessions or tokens.
   */
  async disableUser(idOrUsername: string, actor: Actor): Promise<UserView> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      if (!(await tx.users.disableKeepingAHolderOf(user.id, ADMIN_ROLE))) throw lastAdministrator(user, 'disabling');
      await tx.sessions.revokeAllForUser(user.id);
      await tx.grants.revokeAllGrantsOf(user.id);
      await audit.record(actor, 'user.disabled', user.id, { username: user.username });
      return toUserView(await findUser(tx, user.id));
    });
  }

  /**
   * Gives the user exactly these roles (each must exist). The scopes follow at once where they are checked now (the
   * admin API; the next token); tokens already issued keep theirs until they expire. The last active administrator
   * keeps the admin role: without one, nobody could manage this tenant any more.
   */
  async setRoles(idOrUsername: string, roles: readonly string[], actor: Actor): Promise<UserView> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      const known = await knownRoles(tx.roles, roles);
      if (!(await tx.users.setRolesKeepingAHolderOf(user.id, known, ADMIN_ROLE))) {
        throw new ManagementError(
          `"${user.username}" is the last active administrator; make another user an administrator before taking the ${ADMIN_ROLE} role from this one`,
          'conflict',
        );
      }
      await audit.record(actor, 'user.roles_changed', user.id, { username: user.username, roles: known, previous: user.roles });
      return toUserView(await findUser(tx, user.id));
    });
  }

  /** Changes the user's roles and profile claims (each only when given) in one transaction: all of it or none. */
  async updateUser(
    idOrUsername: string,
    changes: { roles?: readonly string[]; name?: string; email?: string; emailVerified?: boolean },
    actor: Actor,
  ): Promise<UserView> {
    const { roles, ...profile } = changes;
    return this.repositories.transaction(async (tx) => {
      const inTransaction = new UserManagement(tx, this.quotas);
      let user = roles === undefined ? await inTransaction.getUser(idOrUsername) : await inTransaction.setRoles(idOrUsername, roles, actor);
      if (Object.keys(profile).length > 0) user = await inTransaction.updateProfile(user.id, profile, actor);
      return user;
    });
  }

  /**
   * Changes the user's profile claims (userinfo and ID tokens: name, email, email_verified); what is absent stays,
   * "" clears a name or email. A new email is unverified unless `emailVerified` says otherwise: the old address's
   * verification says nothing about the new one.
   */
  async updateProfile(
    idOrUsername: string,
    changes: { name?: string; email?: string; emailVerified?: boolean },
    actor: Actor,
  ): Promise<UserView> {
    const name = changes.name === undefined ? undefined : checkName(changes.name);
    const email = changes.email === undefined ? undefined : checkEmail(changes.email);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      const emailChanged = email !== undefined && email !== user.email;
      const emailVerified = changes.emailVerified ?? (emailChanged ? false : undefined);
      if (emailVerified === true && (email === undefined ? user.email : email) === null) {
        throw new ManagementError('email_verified: the user has no email address to be verified');
      }
      await tx.users.setProfile(user.id, {
        ...(name === undefined ? {} : { name }),
        ...(email === undefined ? {} : { email }),
        ...(emailVerified === undefined ? {} : { emailVerified }),
      });
      const updated = toUserView(await findUser(tx, user.id));
      await audit.record(actor, 'user.profile_changed', user.id, {
        username: user.username,
        changed: Object.keys(changes).map((key) => (key === 'emailVerified' ? 'email_verified' : key)),
      });
      return updated;
    });
  }

  /**
   * Sets a new password chosen by an administrator, judged by the password policy as at creation, and ends the
   * user's sessions (whoever knew the old password is signed out). Grants stay: the apps the user allowed keep working.
   */
  async setPassword(idOrUsername: string, password: string, actor: Actor): Promise<UserView> {
    const user = await findUser(this.repositories, idOrUsername);
    const problem = await passwordProblem(password, { username: user.username, email: user.email, name: user.name });
    if (problem !== undefined) throw new ManagementError(problem);
    // Hashed before the transaction: on SQLite an open write transaction holds every other writer.
    const passwordHash = await hashPassword(password);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const current = await findUser(tx, user.id);
      await tx.users.setPasswordHash(current.id, passwordHash);
      await tx.sessions.revokeAllForUser(current.id);
      await audit.record(actor, 'user.password_reset', current.id, { username: current.username });
      return toUserView(await findUser(tx, current.id));
    });
  }

  /** What deleting the user takes with them: their active sessions, the consents they gave, their live grants. */
  async userDependents(idOrUsername: string): Promise<DeletionImpact> {
    const { sessions, consents, grants } = this.repositories;
    const user = await findUser(this.repositories, idOrUsername);
    await this.checkNotLastAdministrator(this.repositories, user);
    return userImpact(
      (await sessions.listActiveForUser(user.id)).length,
      await consents.countOf({ by: 'user', id: user.id }),
      await grants.countLive({ by: 'user', id: user.id }),
    );
  }

  /**
   * Deletes the user: their sessions end, their consents go and every grant they gave is revoked (with its tokens),
   * in one transaction with the event. The last active administrator cannot be deleted.
   */
  async deleteUser(idOrUsername: string, actor: Actor): Promise<DeletionImpact> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      const sessions = (await tx.sessions.listActiveForUser(user.id)).length;
      // A person of the platform leaves every account's team with their user, and no account without an owner.
      const ownerless = await tx.accounts.soleOwnerships(user.id);
      if (ownerless.length > 0) {
        throw new ManagementError(
          `${user.username} is the only owner of ${ownerless.map((id) => `"${id}"`).join(', ')}: make another member an owner first, or delete the account`,
          'conflict',
        );
      }
      if (!(await tx.users.deleteKeepingAHolderOf(user.id, ADMIN_ROLE))) throw lastAdministrator(user, 'deleting');
      await tx.accounts.removeEverywhere(user.id);
      await tx.sessions.revokeAllForUser(user.id);
      const consents = await tx.consents.deleteAllOf({ by: 'user', id: user.id });
      const grants = await tx.grants.revokeEverythingOf({ by: 'user', id: user.id });
      await audit.record(actor, 'user.deleted', user.id, { username: user.username, sessions, consents, revoked_grants: grants });
      return userImpact(sessions, consents, grants);
    });
  }

  /** Refuses a change that would leave no active administrator, before it is asked (the console's confirmation). */
  private async checkNotLastAdministrator(repositories: Repositories, user: User): Promise<void> {
    if (user.disabledAt === null && user.roles.includes(ADMIN_ROLE)) {
      const others = (await repositories.users.holdersOf(ADMIN_ROLE)).filter((id) => id !== user.id);
      const active = await Promise.all(others.map(async (id) => (await repositories.users.get(id))?.disabledAt === null));
      if (!active.includes(true)) throw lastAdministrator(user, 'deleting');
    }
  }

  async enableUser(idOrUsername: string, actor: Actor): Promise<UserView> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      await tx.users.setDisabled(user.id, false);
      await audit.record(actor, 'user.enabled', user.id, { username: user.username });
      return toUserView(await findUser(tx, user.id));
    });
  }

  async listConsents(idOrUsername: string): Promise<ConsentSummary[]> {
    const { clients, consents } = this.repositories;
    const user = await findUser(this.repositories, idOrUsername);
    return Promise.all(
      (await consents.listForUser(user.id)).map(async (consent) => ({
        client_id: consent.clientId,
        client_name: (await clients.get(consent.clientId))?.name ?? consent.clientId,
        audience: consent.audience,
        scopes: consent.scopes,
        granted_at: consent.grantedAt,
      })),
    );
  }

  /**
   * Withdraws a user's consent for a client, at every API, and revokes every grant (and so every token) it gave, in
   * one transaction with its event: the user (account page) or an administrator is the actor.
   */
  async withdrawConsent(idOrUsername: string, clientId: string, actor: Actor): Promise<{ withdrawn: boolean; revokedGrants: number }> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const user = await findUser(tx, idOrUsername);
      const withdrawn = await tx.consents.withdraw(user.id, clientId);
      // Codes issued a moment ago have no grant yet; they must not turn into tokens afterwards.
      await tx.grants.invalidateCodesOf(user.id, clientId);
      const revokedGrants = await tx.grants.revokeGrantsOf(user.id, clientId);
      await audit.record(actor, 'consent.withdrawn', user.id, { client_id: clientId, revoked_grants: revokedGrants });
      return { withdrawn, revokedGrants };
    });
  }

  /** A user's active sessions; `last_seen_at` is their last use, to within a tenth of the idle timeout. */
  async listSessions(idOrUsername: string): Promise<SessionSummary[]> {
    const user = await findUser(this.repositories, idOrUsername);
    return (await this.repositories.sessions.listActiveForUser(user.id)).map((session) => ({
      id: session.id,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.lastSeenAt,
      auth_time: session.authTime,
      ip: session.ip,
      user_agent: session.userAgent,
    }));
  }

  async endSession(sessionId: string, actor: Actor): Promise<void> {
    await auditedTransaction(this.repositories, async (tx, audit) => {
      if (!(await tx.sessions.get(sessionId))) throw new ManagementError(`no active session "${sessionId}"`, 'not_found');
      await tx.sessions.revoke(sessionId);
      await audit.record(actor, 'session.ended', sessionId);
    });
  }
}

/** The user with this id or username, from `repositories` (a transaction's, or the server's). */
async function findUser(repositories: Repositories, idOrUsername: string): Promise<User> {
  const user = (await repositories.users.get(idOrUsername)) ?? (await repositories.users.findByUsername(idOrUsername));
  if (!user) throw new ManagementError(`no user "${idOrUsername}"`, 'not_found');
  return user;
}

/** The refusal of disabling or deleting the last active administrator: without one, nobody could manage the tenant. */
const lastAdministrator = (user: User, change: 'disabling' | 'deleting'): ManagementError =>
  new ManagementError(
    `"${user.username}" is the last active administrator; create another (gatehouse users create --admin) before ${change} this one`,
    'conflict',
  );

const userImpact = (sessions: number, consents: number, grants: number): DeletionImpact =>
  deletionImpact({ sessions, consents, grants }, { sessions: 'active session', consents: 'consent', grants: 'live grant' }, 'go with them');

/** An email address as given (trimmed), or null for none. */
function checkEmail(given: string | undefined): string | null {
  const email = given?.trim() || null;
  if (email !== null && (email.length > 254 || !EMAIL.test(email)))
    throw new ManagementError('the email address is not valid', 'invalid', '/email');
  return email;
}

/** A name as given (trimmed), or null for none. */
function checkName(given: string | undefined): string | null {
  const name = given?.trim() || null;
  if (name !== null && name.length > 200) throw new ManagementError('a name is at most 200 characters', 'invalid', '/name');
  return name;
}
