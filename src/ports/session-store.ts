import type { Session } from './sessions.js';

/**
 * Where accounts/sessions.ts keeps sessions (store/sessions.ts). The cookie's secret is kept only as its SHA-256
 * hash. A session is active until it is revoked, reaches its expiry, or goes unused for longer than the store's idle
 * timeout.
 */
export interface SessionStore {
  create(session: Session & { tokenHash: string }): Promise<void>;
  /** The active session at `now` whose cookie secret hashes to `tokenHash`. */
  findActiveByTokenHash(tokenHash: string, now: number): Promise<Session | undefined>;
  /**
   * Records a use at `now`, unless one within the last `interval` seconds is recorded (by another request or
   * process), so that concurrent requests write it once. Never revives an idle session.
   */
  touch(id: string, interval: number, now: number): Promise<void>;
  revoke(id: string): Promise<void>;
}
