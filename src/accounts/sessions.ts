import { randomBytes } from 'node:crypto';
import { nowSeconds } from '../ports/clock.js';
import type { Session } from '../ports/sessions.js';
import { SessionRepository } from '../store/sessions.js';
import { sha256Hex } from '../tokens/hash.js';

export interface StartedSession {
  session: Session;
  /** The cookie value: a secret only the browser holds; the store keeps its hash. */
  cookieValue: string;
}

export interface SessionLifetimes {
  /** Absolute: seconds from sign-in to the end, however busy the session. */
  ttl: number;
  /** Seconds a session may go unused; the repository refuses one idle for longer. */
  idleTimeout: number;
}

/**
 * Browser sessions. A session has a public id (the `sid` claim) and a separate cookie secret, so an ID token never
 * carries anything that could be replayed as a cookie. A new session is started at every sign-in (rotation).
 */
export class SessionService {
  /**
   * How often a use is written: a tenth of the idle timeout, so that a busy user costs a write every few minutes
   * rather than one per request. The recorded use may be up to this much older than the last one, so a session can
   * end this much before its exact idle deadline, never after it.
   */
  private readonly touchInterval: number;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly lifetimes: SessionLifetimes,
  ) {
    this.touchInterval = Math.max(1, Math.floor(lifetimes.idleTimeout / 10));
  }

  async start(userId: string, client: { ip: string; userAgent: string }): Promise<StartedSession> {
    const now = nowSeconds();
    const cookieValue = randomBytes(32).toString('base64url');
    const session: Session = {
      id: randomBytes(16).toString('base64url'),
      userId,
      authTime: now,
      createdAt: now,
      expiresAt: now + this.lifetimes.ttl,
      lastSeenAt: now,
      ip: client.ip,
      userAgent: client.userAgent.slice(0, 300),
    };
    await this.sessions.create({ ...session, tokenHash: sha256Hex(cookieValue) });
    return { session, cookieValue };
  }

  /** The browser's active session, whose use is recorded (at most once per touch interval). */
  async resolve(cookieValue: string | undefined): Promise<Session | undefined> {
    if (!cookieValue || cookieValue.length > 100) return undefined;
    const now = nowSeconds();
    const session = await this.sessions.findActiveByTokenHash(sha256Hex(cookieValue), now);
    if (!session || now - session.lastSeenAt < this.touchInterval) return session;
    await this.sessions.touch(session.id, this.touchInterval, now);
    return { ...session, lastSeenAt: now };
  }

  end(sessionId: string): Promise<void> {
    return this.sessions.revoke(sessionId);
  }
}
