import type { Selectable } from 'kysely';
import { nowSeconds } from '../ports/clock.js';
import type { SessionStore } from '../ports/session-store.js';
import type { Session } from '../ports/sessions.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';
import type { SessionsTable } from './schema.js';

const toSession = (row: Selectable<SessionsTable>): Session => ({
  id: row.id,
  userId: row.user_id,
  authTime: row.auth_time,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastSeenAt: row.last_seen_at,
  ip: row.ip,
  userAgent: row.user_agent,
});

// oauth/authorization-flow.ts reads the record from here until it imports src/ports/sessions.ts.

/**
 * Browser sessions at the authorization server. The cookie's secret is stored only as its SHA-256 hash. A session is
 * active until it is revoked, reaches its expiry, or goes unused for longer than `idleTimeout` seconds.
 */
export class SessionRepository implements SessionStore {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
    private readonly idleTimeout: number,
  ) {}

  async create(session: Session & { tokenHash: string }): Promise<void> {
    await this.store.db
      .insertInto('sessions')
      .values({
        tenant_id: this.tenant,
        id: session.id,
        token_hash: session.tokenHash,
        user_id: session.userId,
        auth_time: session.authTime,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
        ip: session.ip,
        user_agent: session.userAgent,
        revoked_at: null,
      })
      .execute();
  }

  /** The active session whose cookie secret hashes to `tokenHash`. */
  async findActiveByTokenHash(tokenHash: string, now = nowSeconds()): Promise<Session | undefined> {
    const row = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>=', now - this.idleTimeout)
      .executeTakeFirst();
    return row && toSession(row);
  }

  /**
   * Records a use of the session at `now`, unless one within the last `interval` seconds is recorded (by another
   * request or process, a moment ago), so that concurrent requests write it once. Never revives an idle session.
   */
  async touch(id: string, interval: number, now = nowSeconds()): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('last_seen_at', '<=', now - interval)
      .where('last_seen_at', '>=', now - this.idleTimeout)
      .execute();
  }

  async get(id: string): Promise<Session | undefined> {
    const row = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async listActiveForUser(userId: string, now = nowSeconds()): Promise<Session[]> {
    const rows = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>=', now - this.idleTimeout)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  async revoke(id: string): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Forgets sessions that ended (expired, went idle or signed out) more than a day ago; returns how many. */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    const dayAgo = now - 86400;
    return purgeInBatches(
      this.store,
      'sessions',
      'id',
      (eb) => eb.or([eb('expires_at', '<', dayAgo), eb('last_seen_at', '<', dayAgo - this.idleTimeout), eb('revoked_at', '<', dayAgo)]),
      pace,
    );
  }
}
