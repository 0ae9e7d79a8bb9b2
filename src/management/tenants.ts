import type { TenantView } from '../admin/views.js';
import type { Actor } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import { DEFAULT_TENANT, type Tenant, type TenantQuotas, type TenantSettings, tenantIdProblem } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import type { TenantRouting } from '../tenants/routing.js';
import { auditedTransaction } from './audit.js';
import { checkScopes, ManagementError } from './validation.js';

export interface NewTenant {
  id: string;
  name: string;
  /** Null fields are left out, as in a merge patch of empty settings. */
  settings?: MergePatch<TenantSettings>;
  quotas?: MergePatch<TenantQuotas>;
  allowedScopes?: string[] | null;
}

/**
 * A change of settings or quotas as a JSON merge patch (RFC 7396): a field given replaces its value, a field given as
 * null goes back to the deployment's default (no quota), and a field left out is kept.
 */
export type MergePatch<T> = { [K in keyof T]?: T[K] | null };

/** `current` with `patch` merged into it (RFC 7396 §2, one level deep as these objects are). */
function merged<T extends object>(current: T, patch: MergePatch<T>): T {
  const result: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else if (value !== undefined) result[name] = value;
  }
  return result as T;
}

/** Lifetimes a tenant may set for itself, in seconds: the bounds of the matching GATEHOUSE_* settings. */
const LIFETIME_BOUNDS: Record<'accessTokenTtl' | 'refreshTokenTtl' | 'idTokenTtl' | 'sessionTtl', [number, number]> = {
  accessTokenTtl: [60, 86400],
  refreshTokenTtl: [60, 365 * 86400],
  idTokenTtl: [60, 86400],
  sessionTtl: [300, 365 * 86400],
};

/** The admin API's snake_case settings and quotas (TenantView, or a merge patch of them) as the tenant record names them. */
export function tenantFieldsOf(view: {
  settings?: MergePatch<TenantView['settings']>;
  quotas?: MergePatch<TenantView['quotas']>;
  allowed_scopes?: string[] | null;
}): {
  settings?: MergePatch<TenantSettings>;
  quotas?: MergePatch<TenantQuotas>;
  allowedScopes?: string[] | null;
} {
  const { settings: s, quotas: q } = view;
  const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return {
    ...(s
      ? {
          settings: defined({
            accessTokenTtl: s.access_token_ttl,
            refreshTokenTtl: s.refresh_token_ttl,
            idTokenTtl: s.id_token_ttl,
            sessionTtl: s.session_ttl,
            signupEnabled: s.signup_enabled,
            displayName: s.display_name,
            logoUrl: s.logo_url,
            primaryColor: s.primary_color,
          }),
        }
      : {}),
    ...(q ? { quotas: defined({ maxClients: q.max_clients, maxUsers: q.max_users, maxRoles: q.max_roles, maxApis: q.max_apis }) } : {}),
    ...(view.allowed_scopes === undefined ? {} : { allowedScopes: view.allowed_scopes }),
  };
}

function checkSettings(settings: TenantSettings): void {
  for (const [name, [min, max]] of Object.entries(LIFETIME_BOUNDS)) {
    const value = settings[name as keyof typeof LIFETIME_BOUNDS];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new ManagementError(`${name} must be a whole number of seconds from ${min} to ${max}`);
    }
  }
  if (settings.displayName !== undefined && (settings.displayName.trim() === '' || settings.displayName.length > 100)) {
    throw new ManagementError('the display name is 1-100 characters', 'invalid', '/settings/display_name');
  }
  if (settings.logoUrl !== undefined && !/^https:\/\/[^\s"'<>]{1,2000}$/.test(settings.logoUrl)) {
    throw new ManagementError('the logo URL must be an https URL', 'invalid', '/settings/logo_url');
  }
  if (settings.primaryColor !== undefined && !/^#[0-9a-f]{6}$/i.test(settings.primaryColor)) {
    throw new ManagementError('the primary colour is #rrggbb', 'invalid', '/settings/primary_color');
  }
}

function checkQuotas(quotas: TenantQuotas): void {
  for (const [name, value] of Object.entries(quotas)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 10_000_000)) {
      const field = `/quotas/${name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;
      throw new ManagementError(`${name} must be a whole number from 0 to 10000000`, 'invalid', field);
    }
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) throw new ManagementError('a tenant name is 1-200 characters', 'invalid', '/name');
  return trimmed;
}

/**
 * Tenants, managed by the platform's operators: created, suspended (its tokens refused and its sign-in closed at the
 * next request of every process), resumed, changed and deleted with everything stored for it. Each change is one
 * transaction with its audit event, recorded in the default tenant's log (the platform's own).
 */
export class TenantManagement {
  constructor(
    private readonly repositories: Repositories,
    private readonly routing: TenantRouting,
  ) {}

  view(tenant: Tenant): TenantView {
    const { settings: s, quotas: q } = tenant;
    return {
      id: tenant.id,
      name: tenant.name,
      status: tenant.status,
      issuer: this.routing.issuerOf(tenant.id),
      settings: {
        ...(s.accessTokenTtl === undefined ? {} : { access_token_ttl: s.accessTokenTtl }),
        ...(s.refreshTokenTtl === undefined ? {} : { refresh_token_ttl: s.refreshTokenTtl }),
        ...(s.idTokenTtl === undefined ? {} : { id_token_ttl: s.idTokenTtl }),
        ...(s.sessionTtl === undefined ? {} : { session_ttl: s.sessionTtl }),
        ...(s.signupEnabled === undefined ? {} : { signup_enabled: s.signupEnabled }),
        ...(s.displayName === undefined ? {} : { display_name: s.displayName }),
        ...(s.logoUrl === undefined ? {} : { logo_url: s.logoUrl }),
        ...(s.primaryColor === undefined ? {} : { primary_color: s.primaryColor }),
      },
      quotas: {
        ...(q.maxClients === undefined ? {} : { max_clients: q.maxClients }),
        ...(q.maxUsers === undefined ? {} : { max_users: q.maxUsers }),
        ...(q.maxRoles === undefined ? {} : { max_roles: q.maxRoles }),
        ...(q.maxApis === undefined ? {} : { max_apis: q.maxApis }),
      },
      allowed_scopes: tenant.allowedScopes,
      created_at: tenant.createdAt,
      updated_at: tenant.updatedAt,
      suspended_at: tenant.suspendedAt,
    };
  }

  async create(input: NewTenant, actor: Actor): Promise<TenantView> {
    const problem = tenantIdProblem(input.id);
    if (problem) throw new ManagementError(problem, 'invalid', '/id');
    const name = checkName(input.name);
    const settings = merged<TenantSettings>({}, input.settings ?? {});
    const quotas = merged<TenantQuotas>({}, input.quotas ?? {});
    checkSettings(settings);
    checkQuotas(quotas);
    if (input.allowedScopes) checkScopes(input.allowedScopes, '/allowed_scopes');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      if (await tx.tenants.get(input.id)) throw new ManagementError(`tenant "${input.id}" exists already`, 'conflict', '/id');
      const now = nowSeconds();
      const tenant: Tenant = {
        id: input.id,
        name,
        status: 'active',
        settings,
        quotas,
        allowedScopes: input.allowedScopes ? [...new Set(input.allowedScopes)] : null,
        createdAt: now,
        updatedAt: now,
        suspendedAt: null,
      };
      await tx.tenants.create(tenant);
      await audit.record(actor, 'tenant.created', tenant.id, { name });
      return this.view(tenant);
    });
  }

  async get(id: string): Promise<TenantView> {
    return this.view(await this.found(this.repositories, id));
  }

  async list(options: { search?: string; after?: string; limit?: number } = {}): Promise<{ tenants: TenantView[]; next: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const page = await this.repositories.tenants.list({ ...options, limit });
    return { tenants: page.tenants.map((tenant) => this.view(tenant)), next: page.next ?? null };
  }

  suspend(id: string, actor: Actor): Promise<TenantView> {
    return this.setStatus(id, 'suspended', actor);
  }

  resume(id: string, actor: Actor): Promise<TenantView> {
    return this.setStatus(id, 'active', actor);
  }

  /** Changes a tenant; its settings and quotas are merged with the changes (RFC 7396), allowed scopes replaced. */
  async update(
    id: string,
    changes: { name?: string; settings?: MergePatch<TenantSettings>; quotas?: MergePatch<TenantQuotas>; allowedScopes?: string[] | null },
    actor: Actor,
  ): Promise<TenantView> {
    const name = changes.name === undefined ? undefined : checkName(changes.name);
    if (changes.allowedScopes) checkScopes(changes.allowedScopes, '/allowed_scopes');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const tenant = await this.found(tx, id);
      const settings = changes.settings && merged(tenant.settings, changes.settings);
      const quotas = changes.quotas && merged(tenant.quotas, changes.quotas);
      if (settings) checkSettings(settings);
      if (quotas) checkQuotas(quotas);
      await tx.tenants.update(id, {
        ...(name === undefined ? {} : { name }),
        ...(settings ? { settings } : {}),
        ...(quotas ? { quotas } : {}),
        ...(changes.allowedScopes === undefined ? {} : { allowedScopes: changes.allowedScopes }),
      });
      await audit.record(actor, 'tenant.updated', id, { fields: Object.keys(changes) });
      return this.view(await this.found(tx, id));
    });
  }

  /** Deletes the tenant and every row stored for it, in one transaction: all of it goes, or nothing does. */
  async delete(id: string, actor: Actor): Promise<void> {
    this.refuseDefault(id, 'deleted');
    await auditedTransaction(this.repositories, async (tx, audit) => {
      await this.found(tx, id);
      await tx.tenants.purge(id);
      await audit.record(actor, 'tenant.deleted', id, {});
    });
  }

  private async setStatus(id: string, status: Tenant['status'], actor: Actor): Promise<TenantView> {
    this.refuseDefault(id, status === 'suspended' ? 'suspended' : 'resumed');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const tenant = await this.found(tx, id);
      if (tenant.status !== status) {
        await tx.tenants.setStatus(id, status, nowSeconds());
        await audit.record(actor, status === 'suspended' ? 'tenant.suspended' : 'tenant.resumed', id, {});
      }
      return this.view(await this.found(tx, id));
    });
  }

  /** The default tenant is the platform's own: the operators' accounts and the root URLs live in it. */
  private refuseDefault(id: string, change: string): void {
    if (id === DEFAULT_TENANT) throw new ManagementError(`the default tenant cannot be ${change}`, 'conflict');
  }

  private async found(repositories: Repositories, id: string): Promise<Tenant> {
    const tenant = await repositories.tenants.get(id);
    if (!tenant) throw new ManagementError(`no tenant "${id}"`, 'not_found');
    return tenant;
  }
}
