import { nowSeconds } from '../ports/clock.js';
import type { RoleScopes } from '../ports/roles.js';
import { PLATFORM_DEFINITIONS } from '../ports/tenants.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { ownBeforePlatform, visibleTenants } from './platform-definitions.js';
import { countOfTenant } from './tenant-rows.js';

/** A role is a named set of scopes that app clients are given. */
export interface Role {
  name: string;
  description: string;
  scopes: string[];
  createdAt: number;
  /** A role template of the platform's, which every tenant uses and none changes. */
  platform: boolean;
}

const toRole = (row: { tenant_id: string; name: string; description: string; scopes: string; created_at: number }): Role => ({
  name: row.name,
  description: row.description,
  scopes: fromJsonList(row.scopes),
  createdAt: row.created_at,
  platform: row.tenant_id === PLATFORM_DEFINITIONS,
});

/**
 * The roles of one tenant: its own, which it writes, and the platform's role templates, which it reads (its own role
 * of the same name comes first).
 */
export class RoleRepository implements RoleScopes {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async create(role: { name: string; description?: string; scopes: string[] }): Promise<Role> {
    const row = {
      tenant_id: this.tenant,
      name: role.name,
      description: role.description ?? '',
      scopes: toJsonList(role.scopes),
      created_at: nowSeconds(),
    };
    await this.store.db.insertInto('roles').values(row).execute();
    await this.store.announceChange();
    return toRole(row);
  }

  async setScopes(name: string, scopes: string[]): Promise<Role | undefined> {
    await this.store.db
      .updateTable('roles')
      .set({ scopes: toJsonList(scopes) })
      .where('tenant_id', '=', this.tenant)
      .where('name', '=', name)
      .execute();
    await this.store.announceChange();
    return this.get(name);
  }

  /** Removes the tenant's own role; false when it has none of that name (a platform template is not its own). */
  async delete(name: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('roles').where('tenant_id', '=', this.tenant).where('name', '=', name).executeTakeFirst();
    if (result.numDeletedRows === 0n) return false;
    await this.store.announceChange();
    return true;
  }

  async get(name: string): Promise<Role | undefined> {
    const rows = await this.store.db
      .selectFrom('roles')
      .selectAll()
      .where('tenant_id', 'in', visibleTenants(this.tenant))
      .where('name', '=', name)
      .execute();
    const [row] = ownBeforePlatform(rows, (found) => found.name);
    return row && toRole(row);
  }

  async list(): Promise<Role[]> {
    const rows = await this.store.db.selectFrom('roles').selectAll().where('tenant_id', 'in', visibleTenants(this.tenant)).execute();
    return ownBeforePlatform(rows, (row) => row.name).map(toRole);
  }

  /** The tenant's own roles (its quota counts them; the platform's templates are not its own). */
  count(except: readonly string[] = []): Promise<number> {
    return countOfTenant(this.store, 'roles', this.tenant, except);
  }

  /** Scopes of the named roles, in one query; unknown names contribute nothing. */
  async scopesOf(names: readonly string[]): Promise<Map<string, string[]>> {
    if (names.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom('roles')
      .select(['tenant_id', 'name', 'scopes'])
      .where('tenant_id', 'in', visibleTenants(this.tenant))
      .where('name', 'in', names)
      .execute();
    return new Map(ownBeforePlatform(rows, (row) => row.name).map((row) => [row.name, fromJsonList(row.scopes)]));
  }
}
