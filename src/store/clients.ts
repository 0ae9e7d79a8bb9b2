import type { CompiledQuery, Selectable } from 'kysely';
import type { Client, ClientRecords, TokenEndpointAuthMethod } from '../ports/clients.js';
import { nowSeconds } from '../ports/clock.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { holdersOf, removeRoleFromAll } from './role-holders.js';
import type { ClientsTable } from './schema.js';
import { containedInAny, sortsAfter } from './search.js';
import { countOfTenant } from './tenant-rows.js';

export type NewClient = Pick<
  Client,
  | 'clientId'
  | 'name'
  | 'description'
  | 'roles'
  | 'scopes'
  | 'grantTypes'
  | 'tokenEndpointAuthMethod'
  | 'redirectUris'
  | 'accessTokenTtl'
  | 'secretHash'
> &
  Partial<Pick<Client, 'postLogoutRedirectUris' | 'idTokenSignedResponseAlg' | 'skipConsent' | 'introspection'>>;

export type ClientChanges = Partial<
  Pick<Client, 'name' | 'description' | 'roles' | 'scopes' | 'redirectUris' | 'postLogoutRedirectUris' | 'accessTokenTtl' | 'introspection'>
>;

function toClient(row: Omit<Selectable<ClientsTable>, 'tenant_id'>): Client {
  return {
    clientId: row.client_id,
    name: row.name,
    description: row.description,
    roles: fromJsonList(row.roles),
    scopes: fromJsonList(row.scopes),
    grantTypes: fromJsonList(row.grant_types),
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
    redirectUris: fromJsonList(row.redirect_uris),
    postLogoutRedirectUris: fromJsonList(row.post_logout_redirect_uris),
    idTokenSignedResponseAlg: row.id_token_signed_response_alg,
    skipConsent: row.skip_consent === 1,
    introspection: row.introspection === 1,
    accessTokenTtl: row.access_token_ttl,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class ClientRepository implements ClientRecords {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async create(client: NewClient): Promise<Client> {
    const now = nowSeconds();
    const row = {
      client_id: client.clientId,
      name: client.name,
      description: client.description,
      roles: toJsonList(client.roles),
      scopes: toJsonList(client.scopes),
      grant_types: toJsonList(client.grantTypes),
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      redirect_uris: toJsonList(client.redirectUris),
      post_logout_redirect_uris: toJsonList(client.postLogoutRedirectUris ?? []),
      id_token_signed_response_alg: client.idTokenSignedResponseAlg ?? 'RS256',
      skip_consent: client.skipConsent ? 1 : 0,
      introspection: client.introspection ? 1 : 0,
      access_token_ttl: client.accessTokenTtl,
      secret_hash: client.secretHash,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      revoked_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.store.db
      .insertInto('clients')
      .values({ ...row, tenant_id: this.tenant })
      .execute();
    await this.store.announceChange();
    return toClient(row);
  }

  async get(clientId: string): Promise<Client | undefined> {
    const row = await this.store.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    return row && toClient(row);
  }

  /**
   * Up to `limit` clients in creation order (then id), after the client keyed `after` (created_at, client_id), whose
   * id, name or description contains `search` (lower-cased, searchText).
   */
  async list(options: { search?: string; after?: readonly [number, string]; limit: number }): Promise<Client[]> {
    let query = this.store.db
      .selectFrom('clients')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .orderBy('created_at')
      .orderBy('client_id')
      .limit(options.limit);
    if (options.after) query = query.where(sortsAfter('created_at', 'client_id', options.after));
    if (options.search) query = query.where(containedInAny(['client_id', 'name', 'description'], options.search));
    return (await query.execute()).map(toClient);
  }

  /** Changes the given settings; returns the client as it is now, or undefined when there is none. */
  async update(clientId: string, changes: ClientChanges): Promise<Client | undefined> {
    const set = {
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.roles === undefined ? {} : { roles: toJsonList(changes.roles) }),
      ...(changes.scopes === undefined ? {} : { scopes: toJsonList(changes.scopes) }),
      ...(changes.redirectUris === undefined ? {} : { redirect_uris: toJsonList(changes.redirectUris) }),
      ...(changes.postLogoutRedirectUris === undefined ? {} : { post_logout_redirect_uris: toJsonList(changes.postLogoutRedirectUris) }),
      ...(changes.accessTokenTtl === undefined ? {} : { access_token_ttl: changes.accessTokenTtl }),
      ...(changes.introspection === undefined ? {} : { introspection: changes.introspection ? 1 : 0 }),
      updated_at: nowSeconds(),
    };
    const result = await this.store.db
      .updateTable('clients')
      .set(set)
      .where('client_id', '=', clientId)
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    await this.store.announceChange();
    return this.get(clientId);
  }

  /** Replaces the secret; the old one keeps working until `graceUntil` so deployments can roll over. */
  async rotateSecret(clientId: string, newSecretHash: string, graceUntil: number): Promise<Client | undefined> {
    const now = nowSeconds();
    const result = await this.store.db
      .updateTable('clients')
      .where('tenant_id', '=', this.tenant)
      .set((eb) => ({
        previous_secret_hash: eb.ref('secret_hash'),
        previous_secret_expires_at: graceUntil,
        secret_hash: newSecretHash,
        updated_at: now,
      }))
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .where('secret_hash', 'is not', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    await this.store.announceChange();
    return this.get(clientId);
  }

  /**
   * Makes a revoked client active again, with `alongside` (what else the repair writes), in one transaction; false
   * when the client is not revoked (then nothing is written). Only for the built-in clients, which must never stay
   * revoked; the compare-and-set lets one of several processes starting at once do it.
   */
  async restore(clientId: string, alongside: readonly CompiledQuery[]): Promise<boolean> {
    const guard = this.store.db
      .updateTable('clients')
      .where('tenant_id', '=', this.tenant)
      .set({ revoked_at: null, updated_at: nowSeconds() })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is not', null)
      .compile();
    const restored = await this.store.compareAndWrite(guard, alongside);
    if (restored) await this.store.announceChange();
    return restored;
  }

  /** Disables the client for good; returns false when it does not exist. Revoking twice keeps the first time. */
  async revoke(clientId: string): Promise<boolean> {
    const now = nowSeconds();
    const existing = await this.get(clientId);
    if (!existing) return false;
    if (existing.revokedAt === null) {
      await this.store.db
        .updateTable('clients')
        .where('tenant_id', '=', this.tenant)
        .set({ revoked_at: now, updated_at: now })
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .execute();
      await this.store.announceChange();
    }
    return true;
  }

  /** Removes the client's record; false when there is none. Its grants and consents are the caller's to end first. */
  async delete(clientId: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom('clients')
      .where('tenant_id', '=', this.tenant)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) return false;
    await this.store.announceChange();
    return true;
  }

  /** The ids of the clients holding `role`, revoked ones too. */
  holdersOf(role: string): Promise<string[]> {
    return holdersOf(this.store, 'clients', this.tenant, role);
  }

  /** Takes `role` from every client holding it (the role is being deleted); returns their ids. */
  removeRole(role: string): Promise<string[]> {
    return removeRoleFromAll(this.store, 'clients', this.tenant, role);
  }

  /** How many clients the tenant has besides those `except` (its quota counts them), revoked ones included. */
  count(except: readonly string[] = []): Promise<number> {
    return countOfTenant(this.store, 'clients', this.tenant, except);
  }

  /** The longest access-token lifetime a client of the tenant has set; 0 when none has. */
  async longestAccessTokenTtl(): Promise<number> {
    const row = await this.store.db
      .selectFrom('clients')
      .select((eb) => eb.fn.max('access_token_ttl').as('ttl'))
      .where('tenant_id', '=', this.tenant)
      .executeTakeFirst();
    return Number(row?.ttl ?? 0);
  }
}
