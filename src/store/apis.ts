import type { Api } from '../ports/apis.js';
import { nowSeconds } from '../ports/clock.js';
import { PLATFORM_DEFINITIONS } from '../ports/tenants.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { ownBeforePlatform, visibleTenants } from './platform-definitions.js';
import type { ApisTable } from './schema.js';
import { countOfTenant } from './tenant-rows.js';

/** An API's scope descriptions from their JSON text: only string values count. */
function fromDescriptions(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const toApi = (row: ApisTable): Api => ({
  identifier: row.identifier,
  name: row.name,
  scopes: fromJsonList(row.scopes),
  scopeDescriptions: fromDescriptions(row.scope_descriptions),
  createdAt: row.created_at,
  platform: row.tenant_id === PLATFORM_DEFINITIONS,
});

/** What an API's registration holds that its administrators set. */
export interface ApiFields {
  name: string;
  scopes: string[];
  scopeDescriptions: Record<string, string>;
}

/** The APIs of one tenant: its own, which it writes, and the platform's, which every tenant reads. */
export class ApiRepository {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async create(api: { identifier: string; name: string; scopes: string[]; scopeDescriptions?: Record<string, string> }): Promise<Api> {
    const row = {
      tenant_id: this.tenant,
      identifier: api.identifier,
      name: api.name,
      scopes: toJsonList(api.scopes),
      scope_descriptions: JSON.stringify(api.scopeDescriptions ?? {}),
      created_at: nowSeconds(),
    };
    await this.store.db.insertInto('apis').values(row).execute();
    await this.store.announceChange();
    return toApi(row);
  }

  /** Replaces the tenant's own API's name, scopes and descriptions; undefined when it has no such API. */
  async update(identifier: string, fields: ApiFields): Promise<Api | undefined> {
    const result = await this.store.db
      .updateTable('apis')
      .set({ name: fields.name, scopes: toJsonList(fields.scopes), scope_descriptions: JSON.stringify(fields.scopeDescriptions) })
      .where('tenant_id', '=', this.tenant)
      .where('identifier', '=', identifier)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    await this.store.announceChange();
    return this.get(identifier);
  }

  /** Removes the tenant's own API; false when it has no such API (a platform API is never the tenant's to remove). */
  async delete(identifier: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom('apis')
      .where('tenant_id', '=', this.tenant)
      .where('identifier', '=', identifier)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) return false;
    await this.store.announceChange();
    return true;
  }

  async get(identifier: string): Promise<Api | undefined> {
    const rows = await this.store.db
      .selectFrom('apis')
      .selectAll()
      .where('tenant_id', 'in', visibleTenants(this.tenant))
      .where('identifier', '=', identifier)
      .execute();
    const [row] = ownBeforePlatform(rows, (found) => found.identifier);
    return row && toApi(row);
  }

  async list(): Promise<Api[]> {
    const rows = await this.store.db.selectFrom('apis').selectAll().where('tenant_id', 'in', visibleTenants(this.tenant)).execute();
    return ownBeforePlatform(rows, (row) => row.identifier).map(toApi);
  }

  /** Whether any tenant has an API of this identifier (the platform's own registrations must not be shadowed). */
  async heldByAnyTenant(identifier: string): Promise<boolean> {
    const row = await this.store.db.selectFrom('apis').select('tenant_id').where('identifier', '=', identifier).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** The tenant's own APIs (its quota counts them). */
  count(): Promise<number> {
    return countOfTenant(this.store, 'apis', this.tenant);
  }
}
