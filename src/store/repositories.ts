import { ApiRepository } from './apis.js';
import { AuditRepository } from './audit.js';
import { ClientRepository } from './clients.js';
import { ConsentRepository } from './consents.js';
import type { Store } from './database.js';
import { GrantRepository } from './grants.js';
import { InteractionRepository } from './interactions.js';
import { LoginThrottleRepository } from './login-throttle.js';
import { AccountRepository, MemberRepository } from './members.js';
import { RevocationRepository } from './revocations.js';
import { RoleRepository } from './roles.js';
import { SessionRepository } from './sessions.js';
import { SetupCodeRepository } from './setup-codes.js';
import { SignInDelayRepository } from './sign-in-delays.js';
import { SignInDeviceRepository } from './sign-in-devices.js';
import { TenantRepository } from './tenants.js';
import { inTransaction } from './transaction.js';
import { UserRepository } from './users.js';

/** The settings some repositories are built with. */
export interface RepositorySettings {
  /** The tenant whose rows every repository reads and writes (TenantRepository and the purges serve every tenant). */
  tenantId: string;
  /** GATEHOUSE_AUDIENCE: consents for the default API are stored under no identifier (ConsentRepository). */
  defaultAudience: string;
  /** Seconds a session may go unused. */
  sessionIdleTimeout: number;
  /** How long a sign-in delay counter stays after its last failure. */
  signInQuietPeriodMs: number;
  /** The tenant whose audit log the events go to, when not `tenantId`'s own (the platform's definitions: the default's). */
  auditTenantId?: string;
}

/**
 * Every repository, built over one Store: the server's own, or one transaction's (`transaction`). The same
 * classes serve both, so a protocol step reads and writes alike whether it runs in a transaction or not.
 */
export class Repositories {
  readonly clients: ClientRepository;
  readonly roles: RoleRepository;
  readonly apis: ApiRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly consents: ConsentRepository;
  readonly grants: GrantRepository;
  readonly interactions: InteractionRepository;
  readonly revocations: RevocationRepository;
  readonly loginThrottle: LoginThrottleRepository;
  readonly signInDelays: SignInDelayRepository;
  readonly signInDevices: SignInDeviceRepository;
  readonly auditEvents: AuditRepository;
  readonly tenants: TenantRepository;
  /** The tenant's members and invitations. */
  readonly members: MemberRepository;
  /** People's accounts across the deployment (membershipsOf) and invitation links; not bound to the tenant. */
  readonly accounts: AccountRepository;
  readonly setupCodes: SetupCodeRepository;

  constructor(
    readonly store: Store,
    private readonly settings: RepositorySettings,
  ) {
    const tenant = settings.tenantId;
    this.clients = new ClientRepository(store, tenant);
    this.roles = new RoleRepository(store, tenant);
    this.apis = new ApiRepository(store, tenant);
    this.users = new UserRepository(store, tenant);
    this.sessions = new SessionRepository(store, tenant, settings.sessionIdleTimeout);
    this.consents = new ConsentRepository(store, tenant, settings.defaultAudience);
    this.grants = new GrantRepository(store, tenant);
    this.interactions = new InteractionRepository(store, tenant);
    this.revocations = new RevocationRepository(store, tenant);
    this.loginThrottle = new LoginThrottleRepository(store, tenant);
    this.signInDelays = new SignInDelayRepository(store, tenant, settings.signInQuietPeriodMs);
    this.signInDevices = new SignInDeviceRepository(store, tenant);
    this.auditEvents = new AuditRepository(store, settings.auditTenantId ?? tenant);
    this.tenants = new TenantRepository(store);
    this.members = new MemberRepository(store, tenant);
    this.accounts = new AccountRepository(store);
    this.setupCodes = new SetupCodeRepository(store, tenant);
  }

  /**
   * The unit of work: `work` gets the same repositories bound to one write transaction, committed when it resolves
   * and rolled back, every write of it, when it throws. Nested, it runs within the outer transaction (a savepoint).
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return inTransaction(this.store, (store) => work(new Repositories(store, this.settings)));
  }
}
