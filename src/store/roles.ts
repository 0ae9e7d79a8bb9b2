import { nowSeconds } from '../ports/clock.js';
import type { RoleScopes } from '../ports/roles.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';

/** A role is a named set of scopes that app clients are given. */
export interface Role {
  name: string;
  description: string;
  scopes: string[];
  createdAt: number;
}

export class RoleRepository implements RoleScopes {
  constructor(private readonly store: Store) {}

  async create(role: { name: string; description?: string; scopes: string[] }): Promise<Role> {
    const row = { name: role.name, description: role.description ?? '', scopes: toJsonList(role.scopes), created_at: nowSeconds() };
    await this.store.db.insertInto('roles').values(row).execute();
    await this.store.announceChange();
    return { name: row.name, description: row.description, scopes: role.scopes, createdAt: row.created_at };
  }

  async setScopes(name: string, scopes: string[]): Promise<Role | undefined> {
    await this.store.db
      .updateTable('roles')
      .set({ scopes: toJsonList(scopes) })
      .where('name', '=', name)
      .execute();
    await this.store.announceChange();
    return this.get(name);
  }

  async get(name: string): Promise<Role | undefined> {
    const row = await this.store.db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, description: row.description, scopes: fromJsonList(row.scopes), createdAt: row.created_at };
  }

  async list(): Promise<Role[]> {
    const rows = await this.store.db.selectFrom('roles').selectAll().orderBy('name').execute();
    return rows.map((row) => ({
      name: row.name,
      description: row.description,
      scopes: fromJsonList(row.scopes),
      createdAt: row.created_at,
    }));
  }

  /** Scopes of the named roles, in one query; unknown names contribute nothing. */
  async scopesOf(names: readonly string[]): Promise<Map<string, string[]>> {
    if (names.length === 0) return new Map();
    const rows = await this.store.db.selectFrom('roles').select(['name', 'scopes']).where('name', 'in', names).execute();
    return new Map(rows.map((row) => [row.name, fromJsonList(row.scopes)]));
  }
}
