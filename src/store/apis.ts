import type { Api, ApiDocument, OpenApiSummary } from '../ports/apis.js';
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

/** An API's row without its OpenAPI document, which is read on its own (`document`): it can be a megabyte. */
type ApiRow = Omit<ApisTable, 'openapi_document'>;

/** The columns of ApiRow, for the queries that list and get APIs. */
const API_COLUMNS = [
  'tenant_id',
  'identifier',
  'name',
  'scopes',
  'scope_descriptions',
  'created_at',
  'openapi_summary',
  'openapi_url',
  'openapi_fetched_at',
] as const satisfies readonly (keyof ApiRow)[];

function toDocument(row: ApiRow): ApiDocument | null {
  if (row.openapi_summary === null) return null;
  const summary = JSON.parse(row.openapi_summary) as OpenApiSummary;
  return {
    title: summary.title,
    version: summary.version,
    operations: summary.operations,
    ...(row.openapi_url === null ? {} : { url: row.openapi_url }),
    ...(row.openapi_fetched_at === null ? {} : { fetchedAt: Number(row.openapi_fetched_at) }),
  };
}

const toApi = (row: ApiRow): Api => ({
  identifier: row.identifier,
  name: row.name,
  scopes: fromJsonList(row.scopes),
  scopeDescriptions: fromDescriptions(row.scope_descriptions),
  createdAt: row.created_at,
  platform: row.tenant_id === PLATFORM_DEFINITIONS,
  openapi: toDocument(row),
});

/** An OpenAPI document as an API's registration stores it. */
export interface StoredDocument {
  /** The document as JSON text. */
  json: string;
  summary: OpenApiSummary;
  /** Where it was fetched from; null for one uploaded. */
  url: string | null;
  fetchedAt: number | null;
}

/** The document's columns of an API's row; all null for none. */
const documentColumns = (document: StoredDocument | null) => ({
  openapi_document: document?.json ?? null,
  openapi_summary: document ? JSON.stringify(document.summary) : null,
  openapi_url: document?.url ?? null,
  openapi_fetched_at: document?.fetchedAt ?? null,
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

  async create(api: {
    identifier: string;
    name: string;
    scopes: string[];
    scopeDescriptions?: Record<string, string>;
    document?: StoredDocument | null;
  }): Promise<Api> {
    const row = {
      tenant_id: this.tenant,
      identifier: api.identifier,
      name: api.name,
      scopes: toJsonList(api.scopes),
      scope_descriptions: JSON.stringify(api.scopeDescriptions ?? {}),
      created_at: nowSeconds(),
      ...documentColumns(api.document ?? null),
    };
    await this.store.db.insertInto('apis').values(row).execute();
    await this.store.announceChange();
    return toApi(row);
  }

  /** Replaces (or, with null, removes) the tenant's own API's OpenAPI document; false when it has no such API. */
  async setDocument(identifier: string, document: StoredDocument | null): Promise<boolean> {
    const result = await this.store.db
      .updateTable('apis')
      .set(documentColumns(document))
      .where('tenant_id', '=', this.tenant)
      .where('identifier', '=', identifier)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.store.announceChange();
    return true;
  }

  /** The OpenAPI document (JSON text) of the API of this identifier the tenant sees; undefined when it has none. */
  async document(identifier: string): Promise<string | undefined> {
    const rows = await this.store.db
      .selectFrom('apis')
      .select(['tenant_id', 'identifier', 'openapi_document'])
      .where('tenant_id', 'in', visibleTenants(this.tenant))
      .where('identifier', '=', identifier)
      .execute();
    const [row] = ownBeforePlatform(rows, (found) => found.identifier);
    return row?.openapi_document ?? undefined;
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
      .select(API_COLUMNS)
      .where('tenant_id', 'in', visibleTenants(this.tenant))
      .where('identifier', '=', identifier)
      .execute();
    const [row] = ownBeforePlatform(rows, (found) => found.identifier);
    return row && toApi(row);
  }

  async list(): Promise<Api[]> {
    const rows = await this.store.db.selectFrom('apis').select(API_COLUMNS).where('tenant_id', 'in', visibleTenants(this.tenant)).execute();
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
