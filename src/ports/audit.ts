/**
 * `system`: Gatehouse itself, e.g. repairing its store at start. `member`: a person of the platform acting on an account
 * they are a member of (their id is a platform user's, not one of the account's users).
 */
export type ActorType = 'user' | 'client' | 'member' | 'cli' | 'anonymous' | 'system';

/** Who did something, and from where. */
export interface Actor {
  actor: string;
  actor_type: ActorType;
  ip: string;
}

/**
 * Where the core records security events (a replayed code, a reused refresh token, a revoked token). Details name
 * ids, scopes and outcomes only, never a secret or a token. Recording never fails the action it describes.
 */
export interface AuditSink {
  record(who: Actor, action: string, target: string, details?: Record<string, unknown>): Promise<void>;
}
