import type { Selectable } from 'kysely';
import { nowSeconds } from '../ports/clock.js';
import type { Tenant, TenantQuotas, TenantSettings, TenantStatus } from '../ports/tenants.js';
import type { Store } from './database.js';
import type { Database, TenantsTable } from './schema.js';
import { containedInAny, searchText, startsWith } from './search.js';

function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    name: row.name,
    status: row.status as TenantStatus,
    settings: JSON.parse(row.settings) as TenantSettings,
    quotas: JSON.parse(row.quotas) as TenantQuotas,
    allowedScopes: row.allowed_scopes === null ? null : (JSON.parse(row.allowed_scopes) as string[]),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    suspendedAt: row.suspended_at,
  };
}

/** Every table a tenant has rows in (all but tenants itself and the deployment's page keys). */
export const TENANT_TABLES = [
  'roles',
  'apis',
  'clients',
  'revoked_tokens',
  'signing_keys',
  'users',
  'sessions',
  'interactions',
  'grants',
  'authorization_codes',
  'refresh_tokens',
  'grant_access_tokens',
  'consents',
  'login_throttle',
  'sign_in_delays',
  'sign_in_devices',
  'audit_events',
  'members',
  'invitations',
  'setup_codes',
] as const satisfies readonly Exclude<keyof Database, 'tenants' | 'page_keys'>[];

/** The tenants of the deployment (src/ports/tenants.ts). Writes announce a change, so every process sees them. */
export class TenantRepository {
  constructor(private readonly store: Store) {}

  async create(tenant: Tenant): Promise<void> {
    await this.store.db
      .insertInto('tenants')
      .values({
        id: tenant.id,
        name: tenant.name,
        status: tenant.status,
        settings: JSON.stringify(tenant.settings),
        quotas: JSON.stringify(tenant.quotas),
        allowed_scopes: tenant.allowedScopes === null ? null : JSON.stringify(tenant.allowedScopes),
        created_at: tenant.createdAt,
        updated_at: tenant.updatedAt,
        suspended_at: tenant.suspendedAt,
      })
      .execute();
    await this.store.announceChange();
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.store.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  /**
   * A page of tenants in id order, after the id `after`: keyset paging, so a page costs the same at the start and at
   * tenant 9,950. `search` matches an id prefix or a name substring, case-insensitively.
   */
  async list(options: { search?: string; after?: string; limit: number }): Promise<{ tenants: Tenant[]; next: string | undefined }> {
    let query = this.store.db
      .selectFrom('tenants')
      .selectAll()
      .orderBy('id')
      .limit(options.limit + 1);
    if (options.after !== undefined) query = query.where('id', '>', options.after);
    const search = searchText(options.search);
    if (search) query = query.where((eb) => eb.or([startsWith('id', search), containedInAny(['name'], search)]));
    const rows = await query.execute();
    const tenants = rows.slice(0, options.limit).map(toTenant);
    return { tenants, next: rows.length > options.limit ? tenants.at(-1)!.id : undefined };
  }

  async update(
    id: string,
    changes: { name?: string; settings?: TenantSettings; quotas?: TenantQuotas; allowedScopes?: string[] | null },
  ): Promise<void> {
    await this.store.db
      .updateTable('tenants')
      .set({
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.settings === undefined ? {} : { settings: JSON.stringify(changes.settings) }),
        ...(changes.quotas === undefined ? {} : { quotas: JSON.stringify(changes.quotas) }),
        ...(changes.allowedScopes === undefined
          ? {}
          : { allowed_scopes: changes.allowedScopes === null ? null : JSON.stringify(changes.allowedScopes) }),
        updated_at: nowSeconds(),
      })
      .where('id', '=', id)
      .execute();
    await this.store.announceChange();
  }

  async setStatus(id: string, status: TenantStatus, at: number): Promise<void> {
    await this.store.db
      .updateTable('tenants')
      .set({ status, suspended_at: status === 'suspended' ? at : null, updated_at: nowSeconds() })
      .where('id', '=', id)
      .execute();
    await this.store.announceChange();
  }

  /** Deletes every row stored for the tenant, then the tenant; the caller runs it in one transaction. */
  async purge(id: string): Promise<void> {
    for (const table of TENANT_TABLES) await this.store.db.deleteFrom(table).where('tenant_id', '=', id).execute();
    await this.store.db.deleteFrom('tenants').where('id', '=', id).execute();
    await this.store.announceChange();
  }
}
