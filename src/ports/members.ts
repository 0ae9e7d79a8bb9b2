/**
 * An account (a tenant) is run by its members: people with a user of the platform (the default tenant), each holding
 * one account role there. The account's own users (the people who sign in to its apps) are not members; members are
 * its team, as in a hosted dashboard.
 */
export type AccountRole = 'owner' | 'admin' | 'developer' | 'viewer';

/**
 * Account roles from the least to the most: each may do what the ones before it may. A viewer reads; a developer also
 * creates, changes, rotates and revokes app clients; an admin manages everything of the account's (roles, APIs,
 * users, keys); an owner also invites and removes members and changes the account's settings.
 */
export const ACCOUNT_ROLES: readonly AccountRole[] = ['viewer', 'developer', 'admin', 'owner'];

export const isAccountRole = (value: string): value is AccountRole => (ACCOUNT_ROLES as readonly string[]).includes(value);

/** Whether `held` may do what needs `needed`. */
export const roleCovers = (held: AccountRole, needed: AccountRole): boolean => ACCOUNT_ROLES.indexOf(held) >= ACCOUNT_ROLES.indexOf(needed);

export interface Member {
  tenantId: string;
  /** A user of the platform (the default tenant). */
  userId: string;
  role: AccountRole;
  createdAt: number;
  updatedAt: number;
}

/** A member as the account sees them: their role and who they are on the platform. */
export interface MemberWithProfile extends Member {
  username: string;
  name: string | null;
  email: string | null;
}

/** An invitation to join an account with a role, redeemed once by whoever signs in with its link before it expires. */
export interface Invitation {
  id: string;
  tenantId: string;
  /** Whom it was sent to; the link itself is what admits, so it is the inviter's note of who should use it. */
  email: string;
  role: AccountRole;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
}

/** An account a person is a member of, as their account switcher lists it. */
export interface Membership {
  tenantId: string;
  name: string;
  role: AccountRole;
  suspended: boolean;
}
