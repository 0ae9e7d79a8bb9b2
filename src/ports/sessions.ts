/** A browser session at the authorization server, as the authorization endpoint decides with it. */
export interface Session {
  id: string;
  userId: string;
  authTime: number;
  createdAt: number;
  expiresAt: number;
  /** When it was last used, to within the interval its use is written at (SessionService). */
  lastSeenAt: number;
  ip: string;
  userAgent: string;
}
