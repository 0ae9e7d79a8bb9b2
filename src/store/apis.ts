import type { Api } from '../ports/apis.js';
import { nowSeconds } from '../ports/clock.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';

const toApi = (row: { identifier: string; name: string; scopes: string; created_at: number }): Api => ({
  identifier: row.identifier,
  name: row.name,
  scopes: fromJsonList(row.scopes),
  createdAt: row.created_at,
});

export class ApiRepository {
  constructor(private readonly store: Store) {}

  async create(api: { identifier: string; name: string; scopes: string[] }): Promise<Api> {
    const row = { identifier: api.identifier, name: api.name, scopes: toJsonList(api.scopes), created_at: nowSeconds() };
    await this.store.db.insertInto('apis').values(row).execute();
    await this.store.announceChange();
    return toApi(row);
  }

  async get(identifier: string): Promise<Api | undefined> {
    const row = await this.store.db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst();
    return row && toApi(row);
  }

  async list(): Promise<Api[]> {
    return (await this.store.db.selectFrom('apis').selectAll().orderBy('identifier').execute()).map(toApi);
  }
}
