import type { Selectable } from 'kysely';
import { normalizeUsername } from '../accounts/usernames.js';
import { nowSeconds } from '../ports/clock.js';
import type { NewUser, User, UserStore } from '../ports/users.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { holdersOf, removeRoleFromAll } from './role-holders.js';
import type { UsersTable } from './schema.js';
import { containedInAny, sortsAfter } from './search.js';
import { countOfTenant } from './tenant-rows.js';

const toUser = (row: Omit<Selectable<UsersTable>, 'tenant_id'>): User => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  email: row.email,
  emailVerified: row.email_verified === 1,
  name: row.name,
  roles: fromJsonList(row.roles),
  disabledAt: row.disabled_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The profile claims an administrator changes (userinfo's name, email, email_verified); undefined: unchanged. */
export interface ProfileChanges {
  name?: string | null;
  email?: string | null;
  emailVerified?: boolean;
}

export class UserRepository implements UserStore {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async create(user: NewUser): Promise<User> {
    const now = nowSeconds();
    const row = {
      id: user.id,
      username: normalizeUsername(user.username),
      password_hash: user.passwordHash,
      email: user.email,
      email_verified: user.emailVerified ? 1 : 0,
      name: user.name,
      roles: toJsonList(user.roles),
      disabled_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.store.db
      .insertInto('users')
      .values({ ...row, tenant_id: this.tenant })
      .execute();
    return toUser(row);
  }

  async get(id: string): Promise<User | undefined> {
    const row = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', normalizeUsername(username))
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    return row && toUser(row);
  }

  /**
   * Up to `limit` users in creation order (then username, unique in a tenant), after the user keyed `after`
   * (created_at, username), whose id, username, email or name contains `search` (lower-cased, searchText).
   */
  async list(options: { search?: string; after?: readonly [number, string]; limit: number }): Promise<User[]> {
    let query = this.store.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .orderBy('created_at')
      .orderBy('username')
      .limit(options.limit);
    if (options.after) query = query.where(sortsAfter('created_at', 'username', options.after));
    if (options.search) query = query.where(containedInAny(['id', 'username', 'email', 'name'], options.search));
    return (await query.execute()).map(toUser);
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const result = await this.store.db
      .updateTable('users')
      .where('tenant_id', '=', this.tenant)
      .set({ disabled_at: disabled ? nowSeconds() : null, updated_at: nowSeconds() })
      .where('id', '=', id)
      .executeTakeFirst();
    // Cached user records (token issuing, userinfo, the admin API) must see the change at once.
    await this.store.announceChange();
    return result.numUpdatedRows > 0n;
  }

  /** Whether an active user holds `role`. */
  async hasActiveHolderOf(role: string): Promise<boolean> {
    return (await this.activeHoldersOf(this.store.db, role)).length > 0;
  }

  /**
   * The ids of the tenant's active users holding `role`, read through `db` (a transaction's, whose rows it locks on
   * PostgreSQL with `forUpdate`). The LIKE is a cheap filter on the JSON text; the list itself decides (a role's name
   * may be part of another's).
   */
  private async activeHoldersOf(db: Store['db'], role: string, forUpdate = false): Promise<string[]> {
    const query = db
      .selectFrom('users')
      .select(['id', 'roles'])
      .where('tenant_id', '=', this.tenant)
      .where('disabled_at', 'is', null)
      .where('roles', 'like', `%${JSON.stringify(role)}%`);
    const rows = await (forUpdate && this.store.dialect === 'postgres' ? query.forUpdate() : query).execute();
    return rows.filter((row) => fromJsonList(row.roles).includes(role)).map((row) => row.id);
  }

  /** Disables the user unless that leaves no active user holding `role`; false when it would (keepingAHolderOf). */
  disableKeepingAHolderOf(id: string, role: string): Promise<boolean> {
    return this.keepingAHolderOf(id, role, { disabled_at: nowSeconds() });
  }

  /** Gives the user exactly `roles` unless that leaves no active user holding `role`; false when it would. */
  setRolesKeepingAHolderOf(id: string, roles: readonly string[], role: string): Promise<boolean> {
    return this.keepingAHolderOf(id, role, { roles: toJsonList([...roles]) });
  }

  /** Deletes the user's record unless that leaves no active user holding `role`; false when it would. */
  deleteKeepingAHolderOf(id: string, role: string): Promise<boolean> {
    return this.keepingAHolderOf(id, role, 'delete');
  }

  /**
   * Writes `change` to the user (or deletes them) unless afterwards no active user holds `role` when the user was
   * one. The count and the write are one transaction, and on PostgreSQL the holders' rows are locked (FOR UPDATE), so
   * two administrators demoting, disabling or deleting each other at once cannot both succeed (SQLite serialises
   * writers anyway, and has no FOR UPDATE).
   */
  private async keepingAHolderOf(id: string, role: string, change: { disabled_at?: number; roles?: string } | 'delete'): Promise<boolean> {
    const changed = await this.store.writeTransaction(async (db) => {
      const holders = await this.activeHoldersOf(db, role, true);
      const stillHolds =
        change !== 'delete' && change.disabled_at === undefined && change.roles !== undefined && fromJsonList(change.roles).includes(role);
      if (!stillHolds && holders.length === 1 && holders[0] === id) return false;
      if (change === 'delete') {
        await db.deleteFrom('users').where('id', '=', id).where('tenant_id', '=', this.tenant).execute();
        return true;
      }
      await db
        .updateTable('users')
        .set({ ...change, updated_at: nowSeconds() })
        .where('id', '=', id)
        .where('tenant_id', '=', this.tenant)
        .execute();
      return true;
    });
    // Cached user records (token issuing, userinfo, the admin API) must see the change at once.
    if (changed) await this.store.announceChange();
    return changed;
  }

  /** Changes the user's profile claims (absent ones stay as they are); false when there is no such user. */
  async setProfile(id: string, profile: ProfileChanges): Promise<boolean> {
    const result = await this.store.db
      .updateTable('users')
      .set({
        ...(profile.name === undefined ? {} : { name: profile.name }),
        ...(profile.email === undefined ? {} : { email: profile.email }),
        ...(profile.emailVerified === undefined ? {} : { email_verified: profile.emailVerified ? 1 : 0 }),
        updated_at: nowSeconds(),
      })
      .where('id', '=', id)
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    // Cached user records (userinfo, ID tokens, the admin API) must see the change at once.
    await this.store.announceChange();
    return result.numUpdatedRows > 0n;
  }

  /** The ids of the users holding `role`, disabled ones too. */
  holdersOf(role: string): Promise<string[]> {
    return holdersOf(this.store, 'users', this.tenant, role);
  }

  /** Takes `role` from every user holding it (the role is being deleted); returns their ids. */
  removeRole(role: string): Promise<string[]> {
    return removeRoleFromAll(this.store, 'users', this.tenant, role);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.store.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: nowSeconds() })
      .where('id', '=', id)
      .where('tenant_id', '=', this.tenant)
      .execute();
  }

  /** How many users the tenant has (its quota counts them), disabled ones included. */
  count(): Promise<number> {
    return countOfTenant(this.store, 'users', this.tenant);
  }
}
