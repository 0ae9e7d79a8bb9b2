/** Revoked JWT access tokens, by `jti`, kept until the token would have expired anyway. */
export interface AccessTokenRevocations {
  /** Records the revocation; announces it, so that caches of revocation status everywhere drop what they know. */
  revoke(jti: string, clientId: string, expiresAt: number): Promise<void>;
  /** Revoked itself, or issued from a grant that has been revoked since (code replay, refresh reuse, consent withdrawn). */
  isRevoked(jti: string): Promise<boolean>;
}
