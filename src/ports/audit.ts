/** `system`: Gatehouse itself, e.g. repairing its store at start. */
export type ActorType = 'user' | 'client' | 'cli' | 'anonymous' | 'system';

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
