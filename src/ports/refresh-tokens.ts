import type { GrantContext, IssuedTokens } from './grants.js';

/**
 * Where a refresh-token family stands. It has one live refresh token; the last rotation also remembers the token it
 * replaced and when that one was first presented, which is all a retry of that rotation needs to be told apart from
 * reuse (RFC 9700 §4.14.2).
 */
export interface RefreshFamily {
  grantId: string;
  /** When the family began: its grant's creation, when the code was redeemed for its first refresh token. */
  startedAt: number;
  revoked: boolean;
  /** The one refresh token of the family that may be rotated now; null when none was issued. */
  liveTokenHash: string | null;
  /** The token the last rotation replaced, and when it was first rotated (a retry does not move it). */
  rotatedTokenHash: string | null;
  rotatedAt: number | null;
}

export interface RefreshToken {
  tokenHash: string;
  expiresAt: number;
  /** When it was issued, for the family's live token; unknown for one issued before migration 0008. */
  issuedAt?: number;
  /** What its grant stands for. */
  grant: GrantContext;
  family: RefreshFamily;
}

/**
 * What to do with a presented refresh token: `rotate` (it is live), `retry` (the rotation it had is repeated for a
 * client that lost the answer), `reused` (revoke the family), `invalid` (it is not, or no longer, a member).
 */
export type RotationDecision = 'rotate' | 'retry' | 'reused' | 'invalid';

/** Refresh tokens, by the SHA-256 hash of the token, each with its grant and its rotation family. */
export interface RefreshTokens {
  /** The refresh token with what its grant stands for and where its family stands. */
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Rotates the family as `decide` says, given the family as it stands: a rotation or retry replaces the live token
   * with `issued` and records its access token, in one transaction, decided anew when another request changed the
   * family in between; reuse revokes the family. A failure, or `signal` aborted before the rotation is handed to the
   * store, leaves everything as it was, except that a revocation for reuse is committed regardless.
   */
  rotate(
    presented: RefreshToken,
    issued: IssuedTokens,
    decide: (family: RefreshFamily) => RotationDecision,
    signal?: AbortSignal,
  ): Promise<RotationDecision>;
}
