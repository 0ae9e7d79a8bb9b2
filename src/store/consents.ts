import type { Store } from './database.js';
import { fromJsonList, nowSeconds, toJsonList } from './json-list.js';

export interface Consent {
  userId: string;
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

/** What each user has agreed to share with each client; asked again when a request goes beyond it. */
export class ConsentRepository {
  constructor(private readonly store: Store) {}

  async get(userId: string, clientId: string): Promise<Consent | undefined> {
    const row = await this.store.db
      .selectFrom('consents')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && { userId: row.user_id, clientId: row.client_id, scopes: fromJsonList(row.scopes), grantedAt: row.granted_at };
  }

  /** Adds `scopes` to what the user has consented to for the client. */
  async grant(userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    const existing = await this.get(userId, clientId);
    const merged = toJsonList([...new Set([...(existing?.scopes ?? []), ...scopes])]);
    await this.store.db
      .insertInto('consents')
      .values({ user_id: userId, client_id: clientId, scopes: merged, granted_at: nowSeconds() })
      .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: merged, granted_at: nowSeconds() }))
      .execute();
  }

  async listForUser(userId: string): Promise<Consent[]> {
    const rows = await this.store.db.selectFrom('consents').selectAll().where('user_id', '=', userId).orderBy('granted_at', 'desc').execute();
    return rows.map((row) => ({ userId: row.user_id, clientId: row.client_id, scopes: fromJsonList(row.scopes), grantedAt: row.granted_at }));
  }

  async withdraw(userId: string, clientId: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
