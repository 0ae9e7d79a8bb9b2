import { nowSeconds } from '../ports/clock.js';
import type { Consent, Consents } from '../ports/consents.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';

/** Whose consents: a user's, a client's, or those for an API (its identifier). */
export interface ConsentOwner {
  by: 'user' | 'client' | 'audience';
  id: string;
}

const CONSENT_COLUMN = { user: 'user_id', client: 'client_id', audience: 'audience' } as const;

/** How the default API is stored: by no identifier, so a changed GATEHOUSE_AUDIENCE keeps its consents. */
const DEFAULT_API = '';

/**
 * What each user has agreed to share with each client at each API; asked again when a request goes beyond it, and
 * for another API (a consent for scopes at API A does not cover API B).
 */
export class ConsentRepository implements Consents {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
    private readonly defaultAudience: string,
  ) {}

  private stored = (audience: string) => (audience === this.defaultAudience ? DEFAULT_API : audience);

  private toConsent = (row: { user_id: string; client_id: string; audience: string; scopes: string; granted_at: number }): Consent => ({
    userId: row.user_id,
    clientId: row.client_id,
    audience: row.audience === DEFAULT_API ? this.defaultAudience : row.audience,
    scopes: fromJsonList(row.scopes),
    grantedAt: row.granted_at,
  });

  async get(userId: string, clientId: string, audience: string): Promise<Consent | undefined> {
    const row = await this.store.db
      .selectFrom('consents')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('audience', '=', this.stored(audience))
      .executeTakeFirst();
    return row && this.toConsent(row);
  }

  /** Adds `scopes` to what the user has consented to for the client at the API. */
  async grant(userId: string, clientId: string, audience: string, scopes: readonly string[]): Promise<void> {
    const existing = await this.get(userId, clientId, audience);
    const merged = toJsonList([...new Set([...(existing?.scopes ?? []), ...scopes])]);
    await this.store.db
      .insertInto('consents')
      .values({
        tenant_id: this.tenant,
        user_id: userId,
        client_id: clientId,
        audience: this.stored(audience),
        scopes: merged,
        granted_at: nowSeconds(),
      })
      // Updates only a row of this tenant's (user ids are random, so another tenant's row is never under the same key anyway).
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'client_id', 'audience'])
          .doUpdateSet({ scopes: merged, granted_at: nowSeconds() })
          .where('consents.tenant_id', '=', this.tenant),
      )
      .execute();
  }

  async listForUser(userId: string): Promise<Consent[]> {
    const rows = await this.store.db
      .selectFrom('consents')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .orderBy('granted_at', 'desc')
      .orderBy('client_id')
      .orderBy('audience')
      .execute();
    return rows.map(this.toConsent);
  }

  /** How many consents a user gave, were given to a client, or are for an API. */
  async countOf(owner: ConsentOwner): Promise<number> {
    const row = await this.store.db
      .selectFrom('consents')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', this.tenant)
      .where(CONSENT_COLUMN[owner.by], '=', owner.by === 'audience' ? this.stored(owner.id) : owner.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Forgets every consent a user gave, given to a client, or for an API (which is being deleted); returns how many. */
  async deleteAllOf(owner: ConsentOwner): Promise<number> {
    const result = await this.store.db
      .deleteFrom('consents')
      .where('tenant_id', '=', this.tenant)
      .where(CONSENT_COLUMN[owner.by], '=', owner.by === 'audience' ? this.stored(owner.id) : owner.id)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Withdraws what the user agreed to for the client, at every API. */
  async withdraw(userId: string, clientId: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom('consents')
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
