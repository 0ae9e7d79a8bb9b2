/** What a code or refresh token stands for: who authorized which client for what, and when. */
export interface GrantContext {
  clientId: string;
  userId: string;
  sessionId: string;
  scopes: string[];
  audience: string;
  authTime: number;
  /** When the authorization request was made (the `rat` claim). */
  requestedAt: number;
}

/** What a token response put into the world and the store has to know about: its access token and refresh token. */
export interface IssuedTokens {
  accessToken: { jti: string; expiresAt: number };
  refreshToken?: { tokenHash: string; issuedAt: number; expiresAt: number };
}

/** A grant about to be born from a redeemed code. */
export interface NewGrant {
  id: string;
  context: GrantContext;
  issued: IssuedTokens;
}

/**
 * Ends a grant and everything issued from it at once: its refresh-token family and every access token listed under
 * it (code replay, a user no longer active, a refresh token revoked by its client).
 */
export interface GrantRevocation {
  /** Announces the change: caches of revocation status everywhere must drop what they know. */
  revokeGrant(id: string): Promise<void>;
}
