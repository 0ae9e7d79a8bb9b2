// Sessions in memory, as store/sessions.ts decides: active until revoked, expired, or idle past the timeout.
import type { SessionStore } from '../ports/session-store.js';
import type { Session } from '../ports/sessions.js';

type StoredSession = Session & { tokenHash: string; revoked: boolean };

export class MemorySessionStore implements SessionStore {
  readonly rows = new Map<string, StoredSession>();

  constructor(private readonly idleTimeout: number) {}

  async create(session: Session & { tokenHash: string }): Promise<void> {
    if (this.rows.has(session.id)) throw new Error('the session exists already');
    this.rows.set(session.id, { ...session, revoked: false });
  }

  async findActiveByTokenHash(tokenHash: string, now: number): Promise<Session | undefined> {
    const row = [...this.rows.values()].find((candidate) => candidate.tokenHash === tokenHash && this.isActive(candidate, now));
    if (!row) return undefined;
    const { tokenHash: _tokenHash, revoked: _revoked, ...session } = row;
    return session;
  }

  async touch(id: string, interval: number, now: number): Promise<void> {
    const row = this.rows.get(id);
    // As the store's conditional UPDATE: not revoked, not written within `interval`, not idle already. Expiry is
    // not a condition there either: an expired session is never found, whatever its last use.
    if (row && !row.revoked && row.lastSeenAt <= now - interval && row.lastSeenAt >= now - this.idleTimeout) row.lastSeenAt = now;
  }

  async revoke(id: string): Promise<void> {
    const row = this.rows.get(id);
    if (row) row.revoked = true;
  }

  private isActive(row: StoredSession, now: number): boolean {
    return !row.revoked && row.expiresAt > now && row.lastSeenAt >= now - this.idleTimeout;
  }
}
