import { randomBytes } from 'node:crypto';
import { nowSeconds } from '../store/json-list.js';
import { SessionRepository, type Session } from '../store/sessions.js';
import { sha256Hex } from '../tokens/hash.js';

export interface StartedSession {
  session: Session;
  /** The cookie value: a secret only the browser holds; the store keeps its hash. */
  cookieValue: string;
}

/**
 * Browser sessions. A session has a public id (the `sid` claim) and a separate cookie secret, so an ID token never
 * carries anything that could be replayed as a cookie. A new session is started at every sign-in (rotation).
 */
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly ttlSeconds: number,
  ) {}

  async start(userId: string, client: { ip: string; userAgent: string }): Promise<StartedSession> {
    const now = nowSeconds();
    const cookieValue = randomBytes(32).toString('base64url');
    const session: Session = {
      id: randomBytes(16).toString('base64url'),
      userId,
      authTime: now,
      createdAt: now,
      expiresAt: now + this.ttlSeconds,
      ip: client.ip,
      userAgent: client.userAgent.slice(0, 300),
    };
    await this.sessions.create({ ...session, tokenHash: sha256Hex(cookieValue) });
    return { session, cookieValue };
  }

  async resolve(cookieValue: string | undefined): Promise<Session | undefined> {
    if (!cookieValue || cookieValue.length > 100) return undefined;
    return this.sessions.findActiveByTokenHash(sha256Hex(cookieValue));
  }

  end(sessionId: string): Promise<void> {
    return this.sessions.revoke(sessionId);
  }
}
