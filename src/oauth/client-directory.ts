import type { RecordCache, RecordCaches } from '../ports/caches.js';
import type { Client, ClientRecords, ClientResolver, ResolvedClient } from '../ports/clients.js';
import type { RoleScopes } from '../ports/roles.js';

/** Unknown client_ids remembered at most; a flood of made-up ones empties the set and is read from the store again. */
export const UNKNOWN_CLIENTS_REMEMBERED = 10_000;

/**
 * Scopes a client may be given beyond its roles' and its own, decided as it is looked up (the playground's built-in
 * client may ask for the scopes of every API its tenant sees, which change as the APIs do).
 */
export type ExtraScopes = (client: Client) => Promise<Iterable<string>>;

const noExtraScopes: ExtraScopes = async () => [];

/**
 * Client lookups for the protocol core, cached so that the token endpoint's hot path does not touch the store. While
 * the store is unavailable a client read recently enough keeps authenticating (client_credentials needs nothing
 * else; `caches` set that bound); a client revoked elsewhere meanwhile is refused once the bound has passed.
 */
export class ClientDirectory implements ClientResolver {
  private readonly cache: RecordCache<ResolvedClient>;

  constructor(clients: ClientRecords, roles: RoleScopes, caches: RecordCaches, extraScopes: ExtraScopes = noExtraScopes) {
    this.cache = caches(
      async (clientId) => {
        const client = await clients.get(clientId);
        if (!client) return undefined;
        const roleScopes = await roles.scopesOf(client.roles);
        const allowed = new Set(client.scopes);
        for (const scopes of roleScopes.values()) for (const scope of scopes) allowed.add(scope);
        for (const scope of await extraScopes(client)) allowed.add(scope);
        return { client, allowedScopes: allowed };
      },
      // Unknown client_ids are cached too: otherwise each costs a store read that a known one does not, and the
      // answer's timing tells which client_ids exist (the dummy hash compare in client-auth.ts covers the rest).
      { maxAgeMs: 30_000, maxEntries: 10_000, maxMissEntries: UNKNOWN_CLIENTS_REMEMBERED },
    );
  }

  find(clientId: string): Promise<ResolvedClient | undefined> {
    return this.cache.get(clientId);
  }
}
