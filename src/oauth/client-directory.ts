import type { Store } from '../store/database.js';
import { ClientRepository, type Client } from '../store/clients.js';
import { GenerationCache } from '../store/generation-cache.js';
import { RoleRepository } from '../store/roles.js';

/** A client together with every scope it may be given: its roles' scopes plus those given to it directly. */
export interface ResolvedClient {
  client: Client;
  allowedScopes: ReadonlySet<string>;
}

/** Unknown client_ids remembered at most; a flood of made-up ones empties the set and is read from the store again. */
export const UNKNOWN_CLIENTS_REMEMBERED = 10_000;

/**
 * Client lookups for the protocol core, cached so that the token endpoint's hot path does not touch the store. While
 * the store is unavailable a client read within `staleIfUnavailableMs` keeps authenticating (client_credentials
 * needs nothing else); a client revoked elsewhere meanwhile is refused once that bound has passed.
 */
export class ClientDirectory {
  private readonly cache: GenerationCache<ResolvedClient>;

  constructor(store: Store, staleIfUnavailableMs: number, clients = new ClientRepository(store), roles = new RoleRepository(store)) {
    this.cache = new GenerationCache(
      store,
      async (clientId) => {
        const client = await clients.get(clientId);
        if (!client) return undefined;
        const roleScopes = await roles.scopesOf(client.roles);
        const allowed = new Set(client.scopes);
        for (const scopes of roleScopes.values()) for (const scope of scopes) allowed.add(scope);
        return { client, allowedScopes: allowed };
      },
      // Unknown client_ids are cached too: otherwise each costs a store read that a known one does not, and the
      // answer's timing tells which client_ids exist (the dummy hash compare in client-auth.ts covers the rest).
      { maxAgeMs: 30_000, maxEntries: 10_000, maxMissEntries: UNKNOWN_CLIENTS_REMEMBERED, staleIfUnavailableMs },
    );
  }

  find(clientId: string): Promise<ResolvedClient | undefined> {
    return this.cache.get(clientId);
  }
}
