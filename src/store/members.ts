import type { Selectable } from 'kysely';
import { nowSeconds } from '../ports/clock.js';
import type { AccountRole, Invitation, Member, Membership, MemberWithProfile } from '../ports/members.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';
import type { InvitationsTable, MembersTable } from './schema.js';

const toMember = (row: Selectable<MembersTable>): Member => ({
  tenantId: row.tenant_id,
  userId: row.user_id,
  role: row.role as AccountRole,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toInvitation = (row: Omit<Selectable<InvitationsTable>, 'token_hash'>): Invitation => ({
  id: row.id,
  tenantId: row.tenant_id,
  email: row.email,
  role: row.role as AccountRole,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  acceptedAt: row.accepted_at,
  acceptedBy: row.accepted_by,
});

const INVITATION_COLUMNS = [
  'id',
  'tenant_id',
  'email',
  'role',
  'invited_by',
  'created_at',
  'expires_at',
  'accepted_at',
  'accepted_by',
] as const;

/**
 * The members of one account and its invitations. Members are users of the platform (the default tenant): their
 * profile is read from there, never from the account's own users.
 */
export class MemberRepository {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async list(): Promise<MemberWithProfile[]> {
    const rows = await this.store.db
      .selectFrom('members')
      .innerJoin('users', (join) => join.onRef('users.id', '=', 'members.user_id').on('users.tenant_id', '=', DEFAULT_TENANT))
      .select(['members.tenant_id', 'members.user_id', 'members.role', 'members.created_at', 'members.updated_at'])
      .select(['users.username', 'users.name', 'users.email'])
      .where('members.tenant_id', '=', this.tenant)
      .orderBy('members.created_at')
      .orderBy('members.user_id')
      .execute();
    return rows.map((row) => ({ ...toMember(row), username: row.username, name: row.name, email: row.email }));
  }

  async get(userId: string): Promise<Member | undefined> {
    const row = await this.store.db
      .selectFrom('members')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  /** Adds the user as a member with `role`; false when they are one already (their role is kept). */
  async add(userId: string, role: AccountRole): Promise<boolean> {
    const now = nowSeconds();
    const result = await this.store.db
      .insertInto('members')
      .values({ tenant_id: this.tenant, user_id: userId, role, created_at: now, updated_at: now })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doNothing())
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Gives the member `role`, or removes them (null), unless that leaves the account without an owner. The count and
   * the write are one transaction, and on PostgreSQL the owners' rows are locked (FOR UPDATE), so two owners demoting
   * or removing each other at once cannot both succeed; SQLite serialises writers. Undefined when they are no member.
   */
  async changeKeepingAnOwner(userId: string, role: AccountRole | null): Promise<'changed' | 'last_owner' | undefined> {
    const outcome = await this.store.writeTransaction(async (db) => {
      const ownersQuery = db.selectFrom('members').select('user_id').where('tenant_id', '=', this.tenant).where('role', '=', 'owner');
      const owners = await (this.store.dialect === 'postgres' ? ownersQuery.forUpdate() : ownersQuery).execute();
      const member = await db
        .selectFrom('members')
        .select('role')
        .where('tenant_id', '=', this.tenant)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!member) return undefined;
      if (member.role === 'owner' && role !== 'owner' && owners.length === 1) return 'last_owner' as const;
      if (role === null) {
        await db.deleteFrom('members').where('tenant_id', '=', this.tenant).where('user_id', '=', userId).execute();
      } else {
        await db
          .updateTable('members')
          .set({ role, updated_at: nowSeconds() })
          .where('tenant_id', '=', this.tenant)
          .where('user_id', '=', userId)
          .execute();
      }
      return 'changed' as const;
    });
    if (outcome === 'changed') await this.store.announceChange();
    return outcome;
  }

  async createInvitation(invitation: Invitation, tokenHash: string): Promise<void> {
    await this.store.db
      .insertInto('invitations')
      .values({
        id: invitation.id,
        tenant_id: this.tenant,
        token_hash: tokenHash,
        email: invitation.email,
        role: invitation.role,
        invited_by: invitation.invitedBy,
        created_at: invitation.createdAt,
        expires_at: invitation.expiresAt,
        accepted_at: null,
        accepted_by: null,
      })
      .execute();
  }

  /** The invitations not yet accepted, expired ones included (the console shows them as expired), newest first. */
  async pendingInvitations(): Promise<Invitation[]> {
    const rows = await this.store.db
      .selectFrom('invitations')
      .select(INVITATION_COLUMNS)
      .where('tenant_id', '=', this.tenant)
      .where('accepted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toInvitation);
  }

  /** Deletes a pending invitation; false when there is none of that id. */
  async revokeInvitation(id: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom('invitations')
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/**
 * What a person sees of the accounts across the deployment: the accounts they are a member of and the invitation a
 * link carries. Keyed by the person (a user of the platform) and by the link, not by one tenant.
 */
export class AccountRepository {
  constructor(private readonly store: Store) {}

  async membershipsOf(userId: string): Promise<Membership[]> {
    const rows = await this.store.db
      .selectFrom('members')
      .innerJoin('tenants', 'tenants.id', 'members.tenant_id')
      .select(['members.tenant_id', 'members.role', 'tenants.name', 'tenants.status'])
      .where('members.user_id', '=', userId)
      .orderBy('tenants.name')
      .orderBy('members.tenant_id')
      .execute();
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      name: row.name,
      role: row.role as AccountRole,
      suspended: row.status === 'suspended',
    }));
  }

  /** The accounts whose only owner the person is (a person who leaves every account must leave none ownerless). */
  async soleOwnerships(userId: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('members as mine')
      .select('mine.tenant_id')
      .where('mine.user_id', '=', userId)
      .where('mine.role', '=', 'owner')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('members as other')
              .select('other.user_id')
              .whereRef('other.tenant_id', '=', 'mine.tenant_id')
              .where('other.role', '=', 'owner')
              .where('other.user_id', '!=', userId),
          ),
        ),
      )
      .orderBy('mine.tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id);
  }

  /** Takes the person off every account's team (their user is being deleted); how many memberships went. */
  async removeEverywhere(userId: string): Promise<number> {
    const result = await this.store.db.deleteFrom('members').where('user_id', '=', userId).executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numDeletedRows);
  }

  /** How many accounts the person owns (their limit on creating more counts them). */
  async ownedBy(userId: string): Promise<number> {
    const row = await this.store.db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async invitationByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const row = await this.store.db
      .selectFrom('invitations')
      .select(INVITATION_COLUMNS)
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toInvitation(row);
  }

  /**
   * Deletes, in batches, every tenant's invitations that expired more than `keepSeconds` ago, accepted or not: the link
   * admits nobody by then, and who joined is in the account's audit log.
   */
  async purgeExpired(keepSeconds: number, now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'invitations', 'id', (eb) => eb('expires_at', '<', now - keepSeconds), pace);
  }

  /** Marks the invitation accepted by `userId`, once: false when it was accepted (or revoked) meanwhile. */
  async markAccepted(id: string, userId: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('invitations')
      .set({ accepted_at: nowSeconds(), accepted_by: userId })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
