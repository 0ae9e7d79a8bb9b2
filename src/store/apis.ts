import type { Api } from '../ports/apis.js';
import { nowSeconds } from '../ports/clock.js';
import { PLATFORM_DEFINITIONS } from '../ports/tenants.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { ownBeforePlatform, visibleTenants } from './platform-definitions.js';
import { countOfTenant } from './tenant-rows.js';

const toApi = (row: { tenant_id: string; identifier: string; name: string; scopes: string; created_at: number }): Api => ({
  identifier: row.identifier,
  name: row.name,
  scopes: fromJsonList(row.scopes),
  createdAt: row.created_at,
  platform: row.tenant_id === PLATFORM_DEFINITIONS,
});

/** The APIs of one tenant: its own, which it writes, and the platform's, which every tenant reads. */
export class ApiRepository {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async create(api: { identifier: string; name: string; scopes: string[] }): Promise<Api> {
    const row = {
      tenant_id: this.tenant,
      identifier: api.identifier,
      name: api.name,
      scopes: toJsonList(api.scopes),
      created_at: nowSeconds(),
    };
    await this.store.db.insertInto('apis').values(row).execute();
    await this.store.announceChange();
    return toApi(row);
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
