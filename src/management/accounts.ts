import type { AccountView, InvitationView } from '../admin/views.js';
import type { Actor } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import { AuditRepository } from '../store/audit.js';
import { MemberRepository } from '../store/members.js';
import type { Repositories } from '../store/repositories.js';
import type { TenantRouting } from '../tenants/routing.js';
import { sha256Hex } from '../tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import { auditLogIn } from './audit.js';
import { invitationView } from './members.js';
import { TenantManagement } from './tenants.js';
import { ManagementError } from './validation.js';

/** What an invitation link offers, shown before it is accepted. */
export interface InvitationOffer {
  account: { id: string; name: string };
  invitation: InvitationView;
}

export interface PersonalAccountsOptions {
  /** Whether people may create accounts themselves (the platform's sign-up is on). */
  selfService: () => Promise<boolean>;
  /** How many accounts one person may own (GATEHOUSE_ACCOUNTS_PER_PERSON). */
  maxOwned: number;
}

/**
 * A person's accounts, for the person: the accounts they are a member of, creating one of their own (self-service,
 * when the platform allows it: they become its owner), and joining one with an invitation link. People are users of
 * the platform (the default tenant); the platform's repositories write the tenants, and each account's rows are
 * written under its own tenant id, in the same transaction.
 */
export class PersonalAccounts {
  constructor(
    private readonly platform: Repositories,
    private readonly routing: TenantRouting,
    private readonly options: PersonalAccountsOptions,
  ) {}

  async list(userId: string): Promise<AccountView[]> {
    const memberships = await this.platform.accounts.membershipsOf(userId);
    return memberships.map((m) => ({
      id: m.tenantId,
      name: m.name,
      role: m.role,
      issuer: this.routing.issuerOf(m.tenantId),
      status: m.suspended ? 'suspended' : 'active',
    }));
  }

  /** A new account (tenant) owned by the person: the tenant and its first member are one transaction. */
  async create(userId: string, input: { id: string; name: string }, actor: Actor): Promise<AccountView> {
    if (!(await this.options.selfService())) {
      throw new ManagementError('accounts are created by the platform operators here: ask them for one, or for an invitation', 'forbidden');
    }
    return this.platform.transaction(async (tx) => {
      if ((await tx.accounts.ownedBy(userId)) >= this.options.maxOwned) {
        throw new ManagementError(`one person may own at most ${this.options.maxOwned} accounts`, 'conflict');
      }
      const tenant = await new TenantManagement(tx, this.routing).create({ id: input.id, name: input.name }, actor);
      await new MemberRepository(tx.store, tenant.id).add(userId, 'owner');
      await this.auditOf(tx, tenant.id).record(actor, 'member.added', userId, { role: 'owner', reason: 'created the account' });
      return { id: tenant.id, name: tenant.name, role: 'owner', issuer: tenant.issuer, status: 'active' };
    });
  }

  /** What the link offers; the same error for a link that never was, was used, revoked or has expired. */
  async lookup(token: string): Promise<InvitationOffer> {
    const { invitation, tenant } = await this.pending(this.platform, token);
    return { account: { id: tenant.id, name: tenant.name }, invitation: invitationView(invitation) };
  }

  /** Joins the account the link invites to, with its role; the link is spent. */
  async accept(userId: string, token: string, actor: Actor): Promise<AccountView> {
    return this.platform.transaction(async (tx) => {
      const { invitation, tenant } = await this.pending(tx, token);
      const members = new MemberRepository(tx.store, tenant.id);
      const existing = await members.get(userId);
      if (existing) {
        throw new ManagementError(`you are a member of ${tenant.name} already (as ${existing.role})`, 'conflict');
      }
      if (!(await tx.accounts.markAccepted(invitation.id, userId))) throw this.spent();
      await members.add(userId, invitation.role);
      await this.auditOf(tx, tenant.id).record(actor, 'member.joined', userId, {
        role: invitation.role,
        invitation: invitation.id,
        invited_by: invitation.invitedBy,
      });
      return { id: tenant.id, name: tenant.name, role: invitation.role, issuer: this.routing.issuerOf(tenant.id), status: 'active' };
    });
  }

  private async pending(repositories: Repositories, token: string) {
    if (!isWellFormedOpaque(token, OPAQUE_PREFIXES.invitation)) throw this.spent();
    const invitation = await repositories.accounts.invitationByTokenHash(sha256Hex(token));
    if (!invitation || invitation.acceptedAt !== null || invitation.expiresAt <= nowSeconds()) throw this.spent();
    const tenant = await repositories.tenants.get(invitation.tenantId);
    if (!tenant) throw this.spent();
    if (tenant.status === 'suspended') throw new ManagementError(`${tenant.name} is suspended`, 'conflict');
    return { invitation, tenant };
  }

  private spent(): ManagementError {
    return new ManagementError(
      'this invitation link is not valid: it may have been used, withdrawn or have expired (after 7 days). Ask for a new one',
      'not_found',
    );
  }

  /** The account's own audit log, written in the transaction `tx`. */
  private auditOf(tx: Repositories, tenantId: string) {
    return auditLogIn(tx, new AuditRepository(tx.store, tenantId));
  }
}
