import { delaySchedules, PasswordLogin } from './accounts/login.js';
import { SessionService } from './accounts/sessions.js';
import { SelfSignup } from './accounts/signup.js';
import { AuditLog } from './admin/audit-log.js';
import type { Config } from './config.js';
import { GuardedFetcher } from './http/outbound.js';
import { KeyStore } from './keys/key-store.js';
import { loadMasterKey, masterKeyFromSecret } from './keys/master-key.js';
import { resealUnderCurrentMasterKey } from './keys/master-key-rotation.js';
import { PageKeys } from './keys/page-keys.js';
import { assertStrongSecret } from './keys/secret-strength.js';
import { createMailer } from './mail/mailer.js';
import { PersonalAccounts } from './management/accounts.js';
import { ApiManagement } from './management/apis.js';
import { MEMBER_SCOPE } from './management/builtins.js';
import { createManagement, type Management } from './management/index.js';
import { playgroundScopes } from './management/playground-scopes.js';
import { RoleManagement } from './management/roles.js';
import { ScopeLimit } from './management/scope-limit.js';
import { TenantManagement } from './management/tenants.js';
import { TestTokens } from './management/test-tokens.js';
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
import { nowSeconds } from './ports/clock.js';
import type { Mailer } from './ports/mail.js';
import type { OutboundFetcher } from './ports/outbound.js';
import { DEFAULT_TENANT, PLATFORM_DEFINITIONS, type Tenant } from './ports/tenants.js';
import type { User } from './ports/users.js';
import type { ConsentRepository } from './store/consents.js';
import { openStore, type Store, storeOptionsOf } from './store/database.js';
import { GenerationCache } from './store/generation-cache.js';
import type { GrantPurgeCounts } from './store/grants.js';
import { PageKeyRepository } from './store/page-keys.js';
import { PURGE_BATCH_PAUSE_MS, PURGE_TIME_LIMIT_MS, PurgePace } from './store/purge.js';
import { Repositories } from './store/repositories.js';
import { SealedKeyRepository } from './store/sealed-keys.js';
import { SigningKeyRepository } from './store/signing-keys.js';
import { reclaimSqliteSpace, type SpaceReclaimed } from './store/sqlite-space.js';
import { TenantRepository } from './store/tenants.js';
import { TenantDirectory } from './tenants/directory.js';
import { TenantRouting } from './tenants/routing.js';
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
    invitations: number;
    setup_codes: number;
  };
  /**
   * false when the run stopped at its time limit with expired rows left (a backlog bigger than one run may take):
   * the next run goes on with them.
   */
  complete: boolean;
  /** SQLite only: the file's pages before and after giving the free ones back. */
  sqlite?: SpaceReclaimed;
}

/**
 * The services of one tenant: one issuer with its own keys, clients, roles, APIs, users, sessions, consents, grants
 * and audit log. Built lazily per tenant (TenantDirectory) from the parts every tenant shares.
 */
export interface TenantGatehouse {
  tenant: Tenant;
  /** The deployment's configuration with this tenant's issuer, default audience and settings in it. */
  config: Config;
  store: Store;
  /** The repositories of this tenant; `repositories.transaction` gives them bound to one transaction. */
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
  /** Access tokens for a machine client on an administrator's request (the admin API's test token). */
  testTokens: TestTokens;
  audit: AuditLog;
  /** A user by id, from a cache that follows the store's changes. */
  findUser: (id: string) => Promise<User | undefined>;
  /** Every scope the user's roles grant. */
  roleScopesOf: (userId: string) => Promise<ReadonlySet<string>>;
  metrics: Metrics;
  /** The pages' random keys (CSRF tokens, sealed interactions), shared by every tenant; prepareKeys loads them. */
  pageKeys: PageKeys;
}

/**
 * One Gatehouse deployment: the default tenant's services (what a single-tenant deployment has always been), the
 * directory of every other tenant's, and what the deployment does as a whole. The HTTP edge and the CLI start here.
 */
export interface Gatehouse extends TenantGatehouse {
  /** Every tenant's services by id, built on first use and kept in a bounded cache. */
  tenants: TenantDirectory<TenantGatehouse>;
  /** Where each tenant's issuer is. */
  routing: TenantRouting;
  /**
   * What only the platform's operators manage: the tenants, and the platform's APIs and role templates, which every
   * tenant reads (stored under PLATFORM_DEFINITIONS; their changes are audited in the default tenant's log).
   */
  platform: { tenants: TenantManagement; roles: RoleManagement; apis: ApiManagement; accounts: PersonalAccounts };
  /**
   * The start-up step of the server, `migrate` and the key commands: refuses a guessable GATEHOUSE_SECRET, seals again
   * under it what GATEHOUSE_PREVIOUS_SECRET sealed, creates the default tenant's signing keys and the page keys the
   * store lacks and opens them all (a wrong master key is a refusal here, not failing requests later). Other tenants'
   * keys are made when the tenant is first used. Returns how many were re-sealed.
   */
  prepareKeys(): Promise<{ resealed: number }>;
  /**
   * Deletes, in bounded batches, what has expired (revocations, codes, token records, answered interactions, sessions,
   * sign-up and sign-in counters, device cookies, invitations a month past expiry, setup codes), grants nothing refers
   * to any more and audit events past retention, then gives SQLite's free pages back, for every tenant at once. Batches
   * are PURGE_BATCH_PAUSE_MS apart, and no batch starts after `timeLimitMs` (PURGE_TIME_LIMIT_MS; unlimited `onDemand`).
   * Run periodically; `onDemand` (`gatehouse purge`) also converts an SQLite file made without incremental auto-vacuum
   * (a full VACUUM) and empties the WAL. Safe to run in several processes at once.
   */
  purgeExpired(options?: { onDemand?: boolean; timeLimitMs?: number }): Promise<PurgeReport>;
  close(): Promise<void>;
}

export interface GatehouseOptions {
  /** Run migrations before anything else (the server and `gatehouse migrate` do; other commands too, harmlessly). */
  migrate?: boolean;
  /** Grants offered besides the built-in ones (GRANTS): each is then in discovery and may be allowed to clients. */
  grants?: readonly GrantModule[];
}

export async function createGatehouse(config: Config, options: GatehouseOptions = {}): Promise<Gatehouse> {
  const metrics = new Metrics();
  const store = await openStore({ ...storeOptionsOf(config, options.migrate ?? true), countStatements: metrics.statementsSent });
  const staleIfUnavailableMs = config.outageMaxStaleness * 1000;
  try {
    // Every cache follows the store's announced changes and outlasts an outage by GATEHOUSE_OUTAGE_MAX_STALENESS.
    const caches: RecordCaches = (load, cacheOptions) => new GenerationCache(store, load, { ...cacheOptions, staleIfUnavailableMs });
    const masterKey = loadMasterKey(config.masterSecret, config.dataDir);
    const shared: SharedParts = {
      config,
      store,
      caches,
      masterKey,
      pageKeys: new PageKeys(new PageKeyRepository(store), masterKey),
      metrics,
      grants: [...GRANTS, ...(options.grants ?? [])],
      routing: new TenantRouting(config.issuer, config.tenantHostDomain),
      staleIfUnavailableMs,
      mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir }),
      fetcher: new GuardedFetcher({ allowLoopback: config.devAllowLoopbackFetch }),
    };
    const tenantRecords = new TenantRepository(store);
    const defaultTenant = await tenantRecords.get(DEFAULT_TENANT);
    if (!defaultTenant) throw new Error('the store has no default tenant; run "gatehouse migrate"');
    const services = buildTenant(shared, defaultTenant);
    // A tenant's record changes rarely; a suspension announces itself, so every process sees it at its next request.
    const records = caches((id) => tenantRecords.get(id), { maxAgeMs: 30_000, maxEntries: 10_000, maxMissEntries: 1000 });
    const tenants = new TenantDirectory(records, (tenant) => openTenant(shared, tenant), config.tenantCacheSize);
    tenants.seed(services);
    const { repositories, keys, pageKeys } = services;
    return {
      ...services,
      tenants,
      routing: shared.routing,
      platform: {
        tenants: new TenantManagement(services.repositories, shared.routing),
        ...platformDefinitions(store, config, shared.fetcher),
        accounts: new PersonalAccounts(services.repositories, shared.routing, {
          // The platform's sign-up switch as it is now (a PATCH of the default tenant's settings changes it at once).
          selfService: async () => (await tenants.open(DEFAULT_TENANT))?.config.signupEnabled ?? false,
          maxOwned: config.accountsPerPerson,
        }),
      },
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
      purgeExpired: async ({ onDemand = false, timeLimitMs = onDemand ? Number.POSITIVE_INFINITY : PURGE_TIME_LIMIT_MS } = {}) => {
        // The purges are deployment-wide: the default tenant's repositories remove what has expired in every tenant.
        const {
          revocations,
          grants,
          interactions,
          sessions,
          loginThrottle,
          signInDelays,
          signInDevices,
          auditEvents,
          accounts,
          setupCodes,
        } = repositories;
        // One moment and one pace for the whole run: every table is judged at the same time, and the deadline is shared.
        const now = nowSeconds();
        const pace = new PurgePace(PURGE_BATCH_PAUSE_MS, timeLimitMs);
        const deleted = {
          revoked_tokens: await revocations.purgeExpired(now, pace),
          ...(await grants.purgeExpired(now, pace)),
          interactions: await interactions.purgeExpired(now, pace),
          sessions: await sessions.purgeExpired(now, pace),
          login_throttle: await loginThrottle.purgeOlderThan(86400, now, pace),
          sign_in_delays: await signInDelays.purgeQuiet(now * 1000, pace),
          sign_in_devices: await signInDevices.purgeExpired(now, pace),
          audit_events: await auditEvents.purgeOlderThan(config.auditRetention, now, pace),
          // A month after they expired: long enough for an owner to see which invitations lapsed.
          invitations: await accounts.purgeExpired(30 * 86400, now, pace),
          setup_codes: await setupCodes.purgeExpired(now, pace),
        };
        const complete = !pace.exhausted;
        if (store.dialect !== 'sqlite') return { deleted, complete };
        return { deleted, complete, sqlite: await reclaimSqliteSpace(store, { convert: onDemand, truncateWal: onDemand }) };
      },
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** What every tenant's services are built from: one store, one master key, one set of page keys and metrics. */
interface SharedParts {
  config: Config;
  store: Store;
  caches: RecordCaches;
  masterKey: Buffer;
  pageKeys: PageKeys;
  metrics: Metrics;
  grants: readonly GrantModule[];
  routing: TenantRouting;
  staleIfUnavailableMs: number;
  mailer: Mailer;
  /** The one guarded outbound fetcher (DESIGN §1). */
  fetcher: OutboundFetcher;
}

/**
 * The deployment's configuration as one tenant sees it: its issuer, its default audience (the default tenant keeps
 * GATEHOUSE_AUDIENCE) and the lifetimes and sign-up switch it set for itself, each within the deployment's bounds.
 */
export function tenantConfig(config: Config, routing: TenantRouting, tenant: Tenant): Config {
  const issuer = routing.issuerOf(tenant.id);
  const settings = tenant.settings;
  const refreshTokenTtl = settings.refreshTokenTtl ?? config.refreshTokenTtl;
  const sessionTtl = settings.sessionTtl ?? config.sessionTtl;
  return {
    ...config,
    issuer,
    defaultAudience: tenant.id === DEFAULT_TENANT ? config.defaultAudience : `${issuer}/api`,
    accessTokenTtl: settings.accessTokenTtl ?? config.accessTokenTtl,
    idTokenTtl: settings.idTokenTtl ?? config.idTokenTtl,
    refreshTokenTtl,
    refreshFamilyLifetime: Math.max(config.refreshFamilyLifetime, refreshTokenTtl),
    sessionTtl,
    sessionIdleTimeout: Math.min(config.sessionIdleTimeout, sessionTtl),
    signupEnabled: settings.signupEnabled ?? config.signupEnabled,
  };
}

/**
 * Where an invitation's link points: the platform's console, which signs the person in (or up) and accepts it. The token
 * travels in the fragment, which browsers never send, so it stays out of every server's and proxy's request log.
 */
const invitationLink = (routing: TenantRouting, token: string) => `${routing.issuerOf(DEFAULT_TENANT)}/console/join#${token}`;

/** The platform's APIs and role templates: no quotas, no scope limit, audited where the operators read. */
function platformDefinitions(store: Store, config: Config, fetcher: OutboundFetcher): { roles: RoleManagement; apis: ApiManagement } {
  const repositories = new Repositories(store, {
    tenantId: PLATFORM_DEFINITIONS,
    auditTenantId: DEFAULT_TENANT,
    defaultAudience: config.defaultAudience,
    sessionIdleTimeout: config.sessionIdleTimeout,
    signInQuietPeriodMs: 0,
  });
  return {
    roles: new RoleManagement(repositories, {}, new ScopeLimit(null), 'platform'),
    apis: new ApiManagement(repositories, config.defaultAudience, {}, fetcher, 'platform'),
  };
}

/**
 * A tenant's services, with its ES256 signing key, admin role and built-in console client made when it is first used
 * (nothing before; an RS256 key, for ID tokens, when it first signs one).
 */
async function openTenant(shared: SharedParts, tenant: Tenant): Promise<TenantGatehouse> {
  const services = buildTenant(shared, tenant);
  await services.keys.ensureKeys(['ES256']);
  await services.management.clients.ensureBuiltinClients();
  return services;
}

function buildTenant(shared: SharedParts, tenant: Tenant): TenantGatehouse {
  const { store, caches, masterKey, pageKeys, metrics, staleIfUnavailableMs } = shared;
  const config = tenantConfig(shared.config, shared.routing, tenant);
  const repositories = new Repositories(store, {
    tenantId: tenant.id,
    defaultAudience: config.defaultAudience,
    sessionIdleTimeout: config.sessionIdleTimeout,
    signInQuietPeriodMs: delaySchedules(config.signInDelays).quietPeriodMs,
  });
  const { clients, roles, apis, users, consents, grants, interactions, revocations, signInDelays, signInDevices } = repositories;
  const { sessions: sessionRepository, loginThrottle: throttle, auditEvents } = repositories;
  const directory = new ClientDirectory(clients, roles, caches, playgroundScopes(tenant.id, apis, new ScopeLimit(tenant.allowedScopes)));
  const apiCache = caches((identifier) => apis.get(identifier), { maxAgeMs: 30_000, maxEntries: 1000 });
  const audiences = new AudienceResolver(config.defaultAudience, (identifier) => apiCache.get(identifier));
  // Users change rarely and every change that matters here (disabling) announces itself.
  const userCache = caches((id) => users.get(id), { maxAgeMs: 30_000, maxEntries: 10_000 });
  const findUser = (id: string) => userCache.get(id);
  // A person of the platform may always ask for MEMBER_SCOPE: their memberships decide what it lets them do.
  const everyonesScopes = tenant.id === DEFAULT_TENANT ? [MEMBER_SCOPE] : [];
  const roleScopesOf = async (userId: string): Promise<ReadonlySet<string>> => {
    const user = await findUser(userId);
    const byRole = await roles.scopesOf(user?.roles ?? []);
    return new Set([...everyonesScopes, ...[...byRole.values()].flat()]);
  };
  const keys = new KeyStore(
    new SigningKeyRepository(store, tenant.id),
    store,
    masterKey,
    // A minute more than the longest token lifetime covers clock skew at resource servers.
    async () => Math.max(config.accessTokenTtl, config.idTokenTtl, await clients.longestAccessTokenTtl()) + 60,
    staleIfUnavailableMs,
  );
  const accessTokens = new AccessTokens({ issuer: config.issuer, tenant: tenant.id }, keys, revocations, directory, caches);
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
  const handlers = shared.grants.map((grant) => grant(grantServices));
  const tokenEndpoint = new TokenEndpoint(directory, handlers);
  const management = createManagement({
    config,
    repositories,
    keys,
    audit,
    supportedGrantTypes: tokenEndpoint.grantTypes,
    quotas: tenant.quotas,
    tenantId: tenant.id,
    allowedScopes: tenant.allowedScopes,
    invitationLink: (token) => invitationLink(shared.routing, token),
    mailer: shared.mailer,
    tenantName: tenant.name,
    fetcher: shared.fetcher,
  });
  return {
    tenant,
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
    testTokens: new TestTokens(config.issuer, directory, tokenEndpoint, audit),
    audit,
    roleScopesOf,
    findUser,
    metrics,
    pageKeys,
  };
}
