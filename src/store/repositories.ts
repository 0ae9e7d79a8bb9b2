import { ApiRepository } from './apis.js';
import { AuditRepository } from './audit.js';
import { ClientRepository } from './clients.js';
import { ConsentRepository } from './consents.js';
import type { Store } from './database.js';
import { GrantRepository } from './grants.js';
import { InteractionRepository } from './interactions.js';
import { LoginThrottleRepository } from './login-throttle.js';
import { RevocationRepository } from './revocations.js';
import { RoleRepository } from './roles.js';
import { SessionRepository } from './sessions.js';
import { SignInDelayRepository } from './sign-in-delays.js';
import { SignInDeviceRepository } from './sign-in-devices.js';
import { inTransaction } from './transaction.js';
import { UserRepository } from './users.js';

/** The settings some repositories are built with. */
export interface RepositorySettings {
  /** GATEHOUSE_AUDIENCE: consents for the default API are stored under no identifier (ConsentRepository). */
  defaultAudience: string;
  /** Seconds a session may go unused. */
  sessionIdleTimeout: number;
  /** How long a sign-in delay counter stays after its last failure. */
  signInQuietPeriodMs: number;
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

  constructor(
    readonly store: Store,
    private readonly settings: RepositorySettings,
  ) {
    this.clients = new ClientRepository(store);
    this.roles = new RoleRepository(store);
    this.apis = new ApiRepository(store);
    this.users = new UserRepository(store);
    this.sessions = new SessionRepository(store, settings.sessionIdleTimeout);
    this.consents = new ConsentRepository(store, settings.defaultAudience);
    this.grants = new GrantRepository(store);
    this.interactions = new InteractionRepository(store);
    this.revocations = new RevocationRepository(store);
    this.loginThrottle = new LoginThrottleRepository(store);
    this.signInDelays = new SignInDelayRepository(store, settings.signInQuietPeriodMs);
    this.signInDevices = new SignInDeviceRepository(store);
    this.auditEvents = new AuditRepository(store);
  }

  /**
   * The unit of work: `work` gets the same repositories bound to one write transaction, committed when it resolves
   * and rolled back, every write of it, when it throws. Nested, it runs within the outer transaction (a savepoint).
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return inTransaction(this.store, (store) => work(new Repositories(store, this.settings)));
  }
}
