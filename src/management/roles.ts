import type { DeletionImpact, RoleView } from '../admin/views.js';
import type { Actor } from '../ports/audit.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import type { Role } from '../store/roles.js';
import { type DefinitionsOwner, definitionEvent } from './apis.js';
import { auditedTransaction } from './audit.js';
import { ADMIN_ROLE, ADMIN_SCOPE } from './builtins.js';
import { deletionImpact, inWords } from './deletion.js';
import { type ListQuery, type Page, pageInMemory } from './paging.js';
import type { ScopeLimit } from './scope-limit.js';
import { checkQuota, checkScopes, ManagementError } from './validation.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

const toRoleView = (role: Role): RoleView => ({
  name: role.name,
  description: role.description,
  scopes: role.scopes,
  platform: role.platform,
  created_at: role.createdAt,
});

/**
 * Roles: named sets of scopes given to clients and users; a tenant's own, or the platform's role templates (`owner`
 * 'platform', events `platform.role.*`). Every change is recorded as an audit event with it.
 */
export class RoleManagement {
  constructor(
    private readonly repositories: Repositories,
    private readonly quotas: TenantQuotas,
    private readonly scopeLimit: ScopeLimit,
    private readonly owner: DefinitionsOwner = 'tenant',
  ) {}

  async createRole(input: { name: string; scopes: string[]; description?: string }, actor: Actor): Promise<RoleView> {
    if (!NAME.test(input.name)) throw new ManagementError('a role name is 1-64 letters, digits, ".", "_", ":" or "-"', 'invalid', '/name');
    checkScopes(input.scopes, '/scopes');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const existing = await tx.roles.get(input.name);
      if (existing?.platform && this.owner === 'tenant') {
        throw new ManagementError(`"${input.name}" is a role template of the platform's, which this account has already`, 'conflict');
      }
      if (existing) throw new ManagementError(`role "${input.name}" exists already`, 'conflict', '/name');
      // The built-in admin role is the server's, made in every tenant: not one of the roles the quota allows.
      await checkQuota(this.quotas.maxRoles, () => tx.roles.count([ADMIN_ROLE]), 'roles');
      await this.scopeLimit.check(tx, input.scopes);
      const role = await tx.roles.create({
        name: input.name,
        scopes: [...new Set(input.scopes)],
        ...(input.description ? { description: input.description } : {}),
      });
      await audit.record(actor, definitionEvent(this.owner, 'role.created'), role.name, { scopes: role.scopes });
      return toRoleView(role);
    });
  }

  /** The built-in role that carries the admin API's scope; created on first use. */
  async ensureAdminRole(): Promise<string> {
    const { roles } = this.repositories;
    if (!(await roles.get(ADMIN_ROLE))) {
      try {
        await roles.create({
          name: ADMIN_ROLE,
          description: 'Administers Gatehouse through the admin API and console',
          scopes: [ADMIN_SCOPE],
        });
      } catch (error) {
        if (!(await roles.get(ADMIN_ROLE))) throw error;
      }
    }
    return ADMIN_ROLE;
  }

  /** A page of the roles in name order; `search` looks in their names, descriptions and scopes. */
  async listRoles(query: ListQuery = {}): Promise<Page<RoleView>> {
    // A tenant's roles are its own merged with the platform's templates (ownBeforePlatform): a small set, paged here.
    const all = (await this.repositories.roles.list()).map(toRoleView);
    return pageInMemory(
      all,
      query,
      (role) => role.name,
      (role) => [role.name, role.description, ...role.scopes],
    );
  }

  /** What deleting the role takes with it: the clients and users that hold it lose it (and its scopes). */
  async roleDependents(name: string): Promise<DeletionImpact> {
    const role = await this.deletableRole(this.repositories, name);
    return roleImpact(role, await this.repositories.clients.holdersOf(name), await this.repositories.users.holdersOf(name));
  }

  /**
   * Deletes the role and takes it from every client and user that holds it, in one transaction with its event: no
   * record is left naming it, so a new role of that name gives nobody anything. Tokens already issued keep their
   * scopes until they expire, as when a role's scopes change. The built-in admin role cannot be deleted.
   */
  async deleteRole(name: string, actor: Actor): Promise<DeletionImpact> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const role = await this.deletableRole(tx, name);
      const clients = await tx.clients.removeRole(name);
      const users = await tx.users.removeRole(name);
      await tx.roles.delete(name);
      const impact = roleImpact(role, clients, users);
      await audit.record(actor, definitionEvent(this.owner, 'role.deleted'), name, { scopes: role.scopes, clients, users });
      return impact;
    });
  }

  /** The tenant's own role of that name, unless it is the built-in admin role. */
  private async deletableRole(repositories: Repositories, name: string): Promise<Role> {
    if (name === ADMIN_ROLE) {
      throw new ManagementError(`"${ADMIN_ROLE}" is the built-in role that administers this account and cannot be deleted`, 'conflict');
    }
    const role = await repositories.roles.get(name);
    if (!role || (role.platform && this.owner === 'tenant')) throw new ManagementError(`no role "${name}"`, 'not_found');
    return role;
  }

  async updateRoleScopes(name: string, scopes: string[], actor: Actor): Promise<RoleView> {
    checkScopes(scopes, '/scopes');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      // Only the tenant's own rows are written: a platform template is "no role" here, as any other tenant's is.
      const existing = await tx.roles.get(name);
      if (!existing || (existing.platform && this.owner === 'tenant')) throw new ManagementError(`no role "${name}"`, 'not_found');
      await this.scopeLimit.check(tx, scopes);
      const role = await tx.roles.setScopes(name, [...new Set(scopes)]);
      if (!role) throw new ManagementError(`no role "${name}"`, 'not_found');
      await audit.record(actor, definitionEvent(this.owner, 'role.updated'), role.name, { scopes: role.scopes });
      return toRoleView(role);
    });
  }
}

/** "2 app clients and 1 user lose corpora:query": what holds the role loses its scopes. */
function roleImpact(role: Role, clients: readonly string[], users: readonly string[]): DeletionImpact {
  const what = role.scopes.length === 0 ? 'the role' : inWords(role.scopes);
  return deletionImpact({ clients: clients.length, users: users.length }, { clients: 'app client', users: 'user' }, `lose ${what}`);
}
