// Roles in memory: each role's scopes by name.
import type { RoleScopes } from '../ports/roles.js';

export class MemoryRoles implements RoleScopes {
  readonly scopes: Map<string, string[]>;

  constructor(roles: Record<string, string[]> = {}) {
    this.scopes = new Map(Object.entries(roles));
  }

  async scopesOf(names: readonly string[]): Promise<Map<string, string[]>> {
    return new Map(names.flatMap((name) => (this.scopes.has(name) ? [[name, [...this.scopes.get(name)!]] as const] : [])));
  }
}
