import { randomUUID } from 'node:crypto';
import type { InvitationView, MemberView } from '../admin/views.js';
import type { Actor } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import type { Mailer } from '../ports/mail.js';
import { type AccountRole, type Invitation, isAccountRole, type MemberWithProfile } from '../ports/members.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import { sha256Hex } from '../tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import { auditedTransaction } from './audit.js';
import { ManagementError } from './validation.js';

/** How long an invitation link admits: a week, as people read their mail. */
export const INVITATION_TTL_SECONDS = 7 * 86400;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/;

const memberView = (member: MemberWithProfile): MemberView => ({
  user_id: member.userId,
  username: member.username,
  name: member.name,
  email: member.email,
  role: member.role,
  joined_at: member.createdAt,
});

export const invitationView = (invitation: Invitation, now = nowSeconds()): InvitationView => ({
  id: invitation.id,
  email: invitation.email,
  role: invitation.role,
  invited_by: invitation.invitedBy,
  created_at: invitation.createdAt,
  expires_at: invitation.expiresAt,
  expired: invitation.expiresAt <= now,
});

export function checkAccountRole(role: string): AccountRole {
  if (!isAccountRole(role)) throw new ManagementError(`"${role}" is not an account role: use owner, admin, developer or viewer`);
  return role;
}

/**
 * An account's team: its members (people of the platform with an account role) and the invitations to join it. Each
 * change is one transaction with its audit event in the account's log. An account always keeps an owner.
 */
export class MemberManagement {
  constructor(
    private readonly repositories: Repositories,
    private readonly tenantId: string,
    /** The link that admits whoever opens it with `token` (the platform's console). */
    private readonly invitationLink: (token: string) => string,
    /** Sends each invitation's link to the address it is for. */
    private readonly mailer: Mailer,
    /** The account's name, as the invitation's email calls it. */
    private readonly accountName: string,
  ) {}

  async list(): Promise<MemberView[]> {
    this.refusePlatform();
    return (await this.repositories.members.list()).map(memberView);
  }

  async setRole(userId: string, role: string, actor: Actor): Promise<MemberView> {
    this.refusePlatform();
    const accountRole = checkAccountRole(role);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const before = await tx.members.get(userId);
      this.checkChanged(await tx.members.changeKeepingAnOwner(userId, accountRole), userId, 'change the role of');
      if (before?.role !== accountRole) await audit.record(actor, 'member.role_changed', userId, { from: before?.role, to: accountRole });
      const member = (await tx.members.list()).find((m) => m.userId === userId);
      if (!member) throw new ManagementError(`no member "${userId}"`, 'not_found');
      return memberView(member);
    });
  }

  async remove(userId: string, actor: Actor): Promise<void> {
    this.refusePlatform();
    await auditedTransaction(this.repositories, async (tx, audit) => {
      const before = await tx.members.get(userId);
      this.checkChanged(await tx.members.changeKeepingAnOwner(userId, null), userId, 'remove');
      await audit.record(actor, 'member.removed', userId, { role: before?.role });
    });
  }

  /**
   * A new invitation and its link, shown once (only the token's hash is kept), mailed to the address it is for. The
   * invitation stands whether or not the mail goes out: the owner is told, and may send the link themselves.
   */
  async invite(
    input: { email: string; role: string },
    actor: Actor,
  ): Promise<{ invitation: InvitationView; url: string; emailed: boolean; email_error?: string }> {
    this.refusePlatform();
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw new ManagementError(`"${input.email}" is not an email address (for example ada@example.com)`);
    const role = checkAccountRole(input.role);
    const token = generateOpaque(OPAQUE_PREFIXES.invitation);
    const now = nowSeconds();
    const invitation: Invitation = {
      id: randomUUID(),
      tenantId: this.tenantId,
      email,
      role,
      invitedBy: actor.actor,
      createdAt: now,
      expiresAt: now + INVITATION_TTL_SECONDS,
      acceptedAt: null,
      acceptedBy: null,
    };
    await auditedTransaction(this.repositories, async (tx, audit) => {
      await tx.members.createInvitation(invitation, sha256Hex(token));
      await audit.record(actor, 'member.invited', invitation.id, { email, role });
    });
    const url = this.invitationLink(token);
    const created = { invitation: invitationView(invitation, now), url };
    try {
      await this.mailer.send({
        to: email,
        subject: `You are invited to join ${this.accountName}`,
        text:
          `You are invited to join ${this.accountName} as ${role}.\r\n\r\n` +
          `Open this link, sign in (or create your account) and choose Join. It works once, until ` +
          `${new Date(invitation.expiresAt * 1000).toUTCString()}:\r\n\r\n${url}\r\n\r\n` +
          `If you did not expect this invitation, ignore this message: nothing happens without the link.\r\n`,
      });
      return { ...created, emailed: true };
    } catch (error) {
      // The reason in words for the owner (a refused connection, a bad address); the message itself, link and all, is never logged.
      return { ...created, emailed: false, email_error: error instanceof Error ? error.message : String(error) };
    }
  }

  async invitations(): Promise<InvitationView[]> {
    this.refusePlatform();
    const now = nowSeconds();
    return (await this.repositories.members.pendingInvitations()).map((invitation) => invitationView(invitation, now));
  }

  async revokeInvitation(id: string, actor: Actor): Promise<void> {
    this.refusePlatform();
    await auditedTransaction(this.repositories, async (tx, audit) => {
      if (!(await tx.members.revokeInvitation(id))) throw new ManagementError(`no pending invitation "${id}"`, 'not_found');
      await audit.record(actor, 'member.invitation_revoked', id, {});
    });
  }

  private checkChanged(outcome: 'changed' | 'last_owner' | undefined, userId: string, what: string): void {
    if (outcome === undefined) throw new ManagementError(`no member "${userId}"`, 'not_found');
    if (outcome === 'last_owner') {
      throw new ManagementError(`cannot ${what} the account's last owner: make another member an owner first`, 'conflict');
    }
  }

  /** The platform's own administrators are its users with the admin role (UserManagement), not members. */
  private refusePlatform(): void {
    if (this.tenantId === DEFAULT_TENANT) {
      throw new ManagementError('the platform has no members: its administrators are its users with the admin role', 'not_found');
    }
  }
}
