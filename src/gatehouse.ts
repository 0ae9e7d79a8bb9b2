import { delaySchedules, PasswordLogin } from './accounts/login.js';
import { SessionService } from './accounts/sessions.js';
import { SelfSignup } from './accounts/signup.js';
import { AuditLog } from './admin/audit-log.js';
import type { Config } from './config.js';
import { KeyStore } from './keys/key-store.js';
import { loadMasterKey, masterKeyFromSecret } from './keys/master-key.js';
import { resealUnderCurrentMasterKey } from './keys/master-key-rotation.js';
import { PageKeys } from './keys/page-keys.js';
import { assertStrongSecret } from './keys/secret-strength.js';
import { createManagement, type Management } from './management/index.js';
import { Metrics } from './metrics.js';
import { AuthorizationFlow } from './oauth/authorization-flow.js';
import type { AuthorizationRequest } from './oauth/authorization-request.js';
import { ClientDirectory } from './oauth/client-directory.js';
import { GRANTS, type GrantModule, type GrantServices } from './oauth/grants/index.js';
import { UserTokenIssuer } from './oauth/grants/user-tokens.js';
import { InteractionSeal } from './oauth/interaction-seal.js';
import { IntrospectionEndpoint } from './oauth/introspection.js';
import { AudienceResolver } from './oauth/resource-indicators.js';
import { RevocationEndpoint } from './oauth/revocation.js';
import { TokenEndpoint } from './oauth/token-endpoint.js';
import { EndSession } from './oidc/end-session.js';
import { IdTokens } from './oidc/id-tokens.js';
import { UserInfo } from './oidc/userinfo.js';
import type { RecordCaches } from './ports/caches.js';
import type { User } from './ports/users.js';
import type { ConsentRepository } from './store/consents.js';
import { openStore, type Store, storeOptionsOf } from './store/database.js';
import { GenerationCache } from './store/generation-cache.js';
import type { GrantPurgeCounts } from './store/grants.js';
import { PageKeyRepository } from './store/page-keys.js';
import { Repositories } from './store/repositories.js';
import { SealedKeyRepository } from './store/sealed-keys.js';
import { SigningKeyRepository } from './store/signing-keys.js';
import { reclaimSqliteSpace, type SpaceReclaimed } from './store/sqlite-space.js';
import { AccessTokens } from './tokens/access-tokens.js';

/** What one purge removed. */
export interface PurgeReport {
  /** Rows deleted, per table. */
  deleted: GrantPurgeCounts & {
    revoked_tokens: number;
    interactions: number;
    sessions: number;
    login_throttle: number;
    sign_in_delays: number;
    sign_in_devices: number;
    audit_events: number;
  };
  /** SQLite only: the file's pages before and after giving the free ones back. */
  sqlite?: SpaceReclaimed;
}

/** Every part of one Gatehouse instance, wired together. The HTTP edge and the CLI both start from here. */
export interface Gatehouse {
  config: Config;
  store: Store;
  /** The repositories over the store; `repositories.transaction` gives them bound to one transaction. */
  repositories: Repositories;
  keys: KeyStore;
  accessTokens: AccessTokens;
  tokenEndpoint: TokenEndpoint;
  revocation: RevocationEndpoint;
  introspection: IntrospectionEndpoint;
  authorization: AuthorizationFlow;
  login: PasswordLogin;
  signup: SelfSignup;
  sessions: SessionService;
  userInfo: UserInfo;
  endSession: EndSession;
  directory: ClientDirectory;
  consents: ConsentRepository;
  /** RFC 8707: which API a `resource` names, and what the user is told that API is called. */
  audiences: AudienceResolver;
  management: Management;
  audit: AuditLog;
  /** A user by id, from a cache that follows the store's changes. */
  findUser: (id: string) => Promise<User | undefined>;
  /** Every scope the user's roles grant. */
  roleScopesOf: (userId: string) => Promise<ReadonlySet<string>>;
  metrics: Metrics;
  /** The pages' random keys (CSRF tokens, sealed interactions); prepareKeys loads them. */
  pageKeys: PageKeys;
  /**
   * The start-up step of the server, `migrate` and the key commands: refuses a guessable GATEHOUSE_SECRET, seals again
   * under it what GATEHOUSE_PREVIOUS_SECRET sealed, creates the signing keys and page keys the store lacks and opens
   * them all (a wrong master key is a refusal here, not failing requests later). Returns how many were re-sealed.
   */
  prepareKeys(): Promise<{ resealed: number }>;
  /**
   * Deletes, in bounded batches, what has expired (revocations, codes, token records, answered interactions, sessions,
   * sign-up and sign-in counters, device cookies), grants nothing refers to any more and audit events past retention,
   * then gives SQLite's free pages back. Run periodically; `onDemand` (`gatehouse purge`) also converts an SQLite file
   * made without incremental auto-vacuum (a full VACUUM) and empties the WAL. Safe to run in several processes at once.
   */
  purgeExpired(options?: { onDemand?: boolean }): Promise<PurgeReport>;
  close(): Promise<void>;
}

export interface GatehouseOptions {
  /** Run migrations before anything else (the server and `gatehouse migrate` do; other commands too, harmlessly). */
  migrate?: boolean;
  /** Grants offered besides the built-in ones (GRANTS): each is then in discovery and may be allowed to clients. */
  grants?: readonly GrantModule[];
}

export async function createGatehouse(config: Config, options: GatehouseOptions = {}): Promise<Gatehouse> {
  const store = await openStore(storeOptionsOf(config, options.migrate ?? true));
  const staleIfUnavailableMs = config.outageMaxStaleness * 1000;
  try {
    const repositories = new Repositories(store, {
      defaultAudience: config.defaultAudience,
      sessionIdleTimeout: config.sessionIdleTimeout,
      signInQuietPeriodMs: delaySchedules(config.signInDelays).quietPeriodMs,
    });
    const { clients, roles, apis, users, consents, grants, interactions, revocations, signInDelays, signInDevices } = repositories;
    const { sessions: sessionRepository, loginThrottle: throttle, auditEvents } = repositories;
    // Every cache follows the store's announced changes and outlasts an outage by GATEHOUSE_OUTAGE_MAX_STALENESS.
    const caches: RecordCaches = (load, options) => new GenerationCache(store, load, { ...options, staleIfUnavailableMs });
    const directory = new ClientDirectory(clients, roles, caches);
    const apiCache = caches((identifier) => apis.get(identifier), { maxAgeMs: 30_000, maxEntries: 1000 });
    const audiences = new AudienceResolver(config.defaultAudience, (identifier) => apiCache.get(identifier));
    // Users change rarely and every change that matters here (disabling) announces itself.
    const userCache = caches((id) => users.get(id), { maxAgeMs: 30_000, maxEntries: 10_000 });
    const findUser = (id: string) => userCache.get(id);
    const roleScopesOf = async (userId: string): Promise<ReadonlySet<string>> => {
      const user = await findUser(userId);
      const byRole = await roles.scopesOf(user?.roles ?? []);
      return new Set([...byRole.values()].flat());
    };

    const masterKey = loadMasterKey(config.masterSecret, config.dataDir);
    const keys = new KeyStore(
      new SigningKeyRepository(store),
      store,
      masterKey,
      async () => {
        const longest = await store.db
          .selectFrom('clients')
          .select((eb) => eb.fn.max('access_token_ttl').as('ttl'))
          .executeTakeFirst();
        // A minute more than the longest token lifetime covers clock skew at resource servers.
        return Math.max(config.accessTokenTtl, config.idTokenTtl, Number(longest?.ttl ?? 0)) + 60;
      },
      staleIfUnavailableMs,
    );
    const pageKeys = new PageKeys(new PageKeyRepository(store), masterKey);
    const accessTokens = new AccessTokens(config.issuer, keys, revocations, directory, caches);
    const idTokens = new IdTokens(config.issuer, keys, config.idTokenTtl);
    const userTokens = new UserTokenIssuer(accessTokens, idTokens, grants, findUser, roleScopesOf, {
      defaultAccessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
      refreshFamilyLifetime: config.refreshFamilyLifetime,
    });
    const audit = new AuditLog(auditEvents);
    const grantServices: GrantServices = {
      grants,
      userTokens,
      accessTokens,
      audiences,
      audit,
      defaultAccessTokenTtl: config.accessTokenTtl,
      refreshReuseWindow: config.refreshReuseWindow,
      refreshFamilyLifetime: config.refreshFamilyLifetime,
    };
    const tokenEndpoint = new TokenEndpoint(
      directory,
      [...GRANTS, ...(options.grants ?? [])].map((grant) => grant(grantServices)),
    );
    const management = createManagement({ config, repositories, keys, audit, supportedGrantTypes: tokenEndpoint.grantTypes });
    return {
      config,
      store,
      repositories,
      keys,
      accessTokens,
      tokenEndpoint,
      revocation: new RevocationEndpoint(directory, accessTokens, grants, audit),
      introspection: new IntrospectionEndpoint(config.issuer, directory, accessTokens, grants, config.refreshFamilyLifetime),
      authorization: new AuthorizationFlow({
        issuer: config.issuer,
        audiences,
        findClient: (clientId) => directory.find(clientId),
        roleScopesOf,
        seal: new InteractionSeal<AuthorizationRequest>(() => pageKeys.key('interactions')),
        interactions,
        consents,
        codes: grants,
      }),
      login: new PasswordLogin(users, signInDelays, signInDevices, config.signInDelays),
      signup: new SelfSignup(management.users, throttle),
      sessions: new SessionService(sessionRepository, { ttl: config.sessionTtl, idleTimeout: config.sessionIdleTimeout }),
      userInfo: new UserInfo(accessTokens, findUser),
      endSession: new EndSession(idTokens, directory),
      directory,
      consents,
      audiences,
      management,
      audit,
      roleScopesOf,
      findUser,
      metrics: new Metrics(),
      pageKeys,
      prepareKeys: async () => {
        // Judging a secret loads zxcvbn (a few hundred milliseconds and MBs): only a secret new to this store is judged.
        const startedBefore = await pageKeys.open();
        if (config.masterSecret !== undefined && !startedBefore) await assertStrongSecret(config.masterSecret);
        const previous = config.previousMasterSecret;
        const sealedKeys = new SealedKeyRepository(store);
        const resealed =
          previous === undefined ? 0 : await resealUnderCurrentMasterKey(sealedKeys, masterKeyFromSecret(previous), masterKey);
        await keys.ensureKeys();
        if (!startedBefore) await pageKeys.ensure();
        return { resealed };
      },
      purgeExpired: async ({ onDemand = false } = {}) => {
        const deleted = {
          revoked_tokens: await revocations.purgeExpired(),
          ...(await grants.purgeExpired()),
          interactions: await interactions.purgeExpired(),
          sessions: await sessionRepository.purgeExpired(),
          login_throttle: await throttle.purgeOlderThan(86400),
          sign_in_delays: await signInDelays.purgeQuiet(),
          sign_in_devices: await signInDevices.purgeExpired(),
          audit_events: await auditEvents.purgeOlderThan(config.auditRetention),
        };
        if (store.dialect !== 'sqlite') return { deleted };
        return { deleted, sqlite: await reclaimSqliteSpace(store, { convert: onDemand, truncateWal: onDemand }) };
      },
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
