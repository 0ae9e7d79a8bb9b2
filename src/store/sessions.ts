import type { Selectable } from 'kysely';
import type { Store } from './database.js';
import type { SessionsTable } from './schema.js';
import { nowSeconds } from './json-list.js';
import { purgeInBatches } from './purge.js';

export interface Session {
  id: string;
  userId: string;
  authTime: number;
  createdAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
}

const toSession = (row: Selectable<SessionsTable>): Session => ({
  id: row.id,
  userId: row.user_id,
  authTime: row.auth_time,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  ip: row.ip,
  userAgent: row.user_agent,
});

/** Browser sessions at the authorization server. The cookie's secret is stored only as its SHA-256 hash. */
export class SessionRepository {
  constructor(private readonly store: Store) {}

  async create(session: Session & { tokenHash: string }): Promise<void> {
    await this.store.db
      .insertInto('sessions')
      .values({
        id: session.id,
        token_hash: session.tokenHash,
        user_id: session.userId,
        auth_time: session.authTime,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        ip: session.ip,
        user_agent: session.userAgent,
        revoked_at: null,
      })
      .execute();
  }

  /** The live session whose cookie secret hashes to `tokenHash`. */
  async findActiveByTokenHash(tokenHash: string, now = nowSeconds()): Promise<Session | undefined> {
    const row = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async get(id: string): Promise<Session | undefined> {
    const row = await this.store.db.selectFrom('sessions').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return row && toSession(row);
  }

  async listActiveForUser(userId: string, now = nowSeconds()): Promise<Session[]> {
    const rows = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  async revoke(id: string): Promise<void> {
    await this.store.db.updateTable('sessions').set({ revoked_at: nowSeconds() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.store.db.updateTable('sessions').set({ revoked_at: nowSeconds() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }

  /** Forgets sessions that ended (expired or signed out) more than a day ago; returns how many. */
  async purgeExpired(now = nowSeconds()): Promise<number> {
    return purgeInBatches(this.store, 'sessions', 'id', (eb) => eb.or([eb('expires_at', '<', now - 86400), eb('revoked_at', '<', now - 86400)]));
  }
}
