import { Management } from './admin/management.js';
import type { Config } from './config.js';
import { KeyStore } from './keys/key-store.js';
import { loadMasterKey } from './keys/master-key.js';
import { ClientDirectory } from './oauth/client-directory.js';
import { ClientCredentialsGrant } from './oauth/grants/client-credentials.js';
import { IntrospectionEndpoint } from './oauth/introspection.js';
import { RevocationEndpoint } from './oauth/revocation.js';
import { TokenEndpoint } from './oauth/token-endpoint.js';
import { ApiRepository } from './store/apis.js';
import { ClientRepository } from './store/clients.js';
import { openStore, type Store } from './store/database.js';
import { GenerationCache } from './store/generation-cache.js';
import { RevocationRepository } from './store/revocations.js';
import { RoleRepository } from './store/roles.js';
import { AccessTokens } from './tokens/access-tokens.js';

/** Every part of one Gatehouse instance, wired together. The HTTP edge and the CLI both start from here. */
export interface Gatehouse {
  config: Config;
  store: Store;
  keys: KeyStore;
  accessTokens: AccessTokens;
  tokenEndpoint: TokenEndpoint;
  revocation: RevocationEndpoint;
  introspection: IntrospectionEndpoint;
  management: Management;
  revocations: RevocationRepository;
  close(): Promise<void>;
}

export interface GatehouseOptions {
  /** Run migrations before anything else (the server and `gatehouse migrate` do; other commands too, harmlessly). */
  migrate?: boolean;
}

export async function createGatehouse(config: Config, options: GatehouseOptions = {}): Promise<Gatehouse> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: options.migrate ?? true });
  try {
    const clients = new ClientRepository(store);
    const roles = new RoleRepository(store);
    const apis = new ApiRepository(store);
    const revocations = new RevocationRepository(store);
    const directory = new ClientDirectory(store, clients, roles);
    const apiCache = new GenerationCache(store, (identifier) => apis.get(identifier), { maxAgeMs: 30_000, maxEntries: 1000 });

    const keys = new KeyStore(store, loadMasterKey(config.masterSecret, config.dataDir), async () => {
      const longest = await store.db.selectFrom('clients').select((eb) => eb.fn.max('access_token_ttl').as('ttl')).executeTakeFirst();
      // A minute more than the longest token lifetime covers clock skew at resource servers.
      return Math.max(config.accessTokenTtl, Number(longest?.ttl ?? 0)) + 60;
    });
    const accessTokens = new AccessTokens(config.issuer, keys, revocations, directory);
    const grants = [
      new ClientCredentialsGrant({
        accessTokens,
        defaultAudience: config.defaultAudience,
        defaultAccessTokenTtl: config.accessTokenTtl,
        findApi: (identifier) => apiCache.get(identifier),
      }),
    ];
    const tokenEndpoint = new TokenEndpoint(directory, grants);
    return {
      config,
      store,
      keys,
      accessTokens,
      tokenEndpoint,
      revocation: new RevocationEndpoint(directory, accessTokens),
      introspection: new IntrospectionEndpoint(directory, accessTokens),
      management: new Management(config, clients, roles, apis, tokenEndpoint.grantTypes),
      revocations,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
