// Grants, their codes and their refresh-token families in memory, deciding as store/grants.ts does: a code is
// redeemed once, a rotation is a compare-and-set on the family as it was seen, reuse revokes the whole grant.
import type { AuthorizationCode, AuthorizationCodes } from '../ports/authorization-codes.js';
import { nowSeconds } from '../ports/clock.js';
import type { GrantContext, GrantRevocation, IssuedTokens, NewGrant } from '../ports/grants.js';
import type { RefreshFamily, RefreshToken, RefreshTokens, RotationDecision } from '../ports/refresh-tokens.js';

/** A grant as the store keeps it: what it stands for and where its refresh-token family stands. */
export interface StoredGrant {
  context: GrantContext;
  createdAt: number;
  revokedAt: number | null;
  refreshTokenHash: string | null;
  refreshTokenIssuedAt: number | null;
  rotatedTokenHash: string | null;
  rotatedAt: number | null;
}

const familyOf = (grantId: string, grant: StoredGrant): RefreshFamily => ({
  grantId,
  startedAt: grant.createdAt,
  revoked: grant.revokedAt !== null,
  liveTokenHash: grant.refreshTokenHash,
  rotatedTokenHash: grant.rotatedTokenHash,
  rotatedAt: grant.rotatedAt,
});

export class MemoryGrants implements AuthorizationCodes, RefreshTokens, GrantRevocation {
  readonly codes = new Map<string, AuthorizationCode>();
  readonly grants = new Map<string, StoredGrant>();
  /** Every refresh token issued, by hash: kept after rotation, as reuse detection needs (RFC 9700 §4.14.2). */
  readonly refreshTokens = new Map<string, { grantId: string; expiresAt: number }>();
  /** Every access token issued from a grant, by jti, so that revoking the grant ends it. */
  readonly accessTokens = new Map<string, { grantId: string; clientId: string; expiresAt: number }>();
  /** How many times a revocation was announced: caches of revocation status would drop what they know. */
  announcedChanges = 0;

  async revokeGrant(id: string): Promise<void> {
    const grant = this.grants.get(id);
    if (grant && grant.revokedAt === null) grant.revokedAt = nowSeconds();
    this.announcedChanges++;
  }

  /** Whether the access token was issued from a grant that has been revoked since (AccessTokenRevocations.isRevoked). */
  isOfRevokedGrant(jti: string): boolean {
    const token = this.accessTokens.get(jti);
    return token !== undefined && (this.grants.get(token.grantId)?.revokedAt ?? null) !== null;
  }

  async createCode(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void> {
    if (this.codes.has(code.codeHash)) throw new Error('the code exists already');
    this.codes.set(code.codeHash, { ...code, scopes: [...code.scopes], usedAt: null, grantId: null });
  }

  async findCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const code = this.codes.get(codeHash);
    return code && { ...code, scopes: [...code.scopes] };
  }

  async redeemCode(codeHash: string, grant: NewGrant, signal?: AbortSignal): Promise<boolean> {
    const code = this.codes.get(codeHash);
    if (!code || code.usedAt !== null) return false;
    signal?.throwIfAborted();
    Object.assign(code, { usedAt: nowSeconds(), grantId: grant.id });
    const { refreshToken } = grant.issued;
    this.grants.set(grant.id, {
      context: { ...grant.context, scopes: [...grant.context.scopes] },
      createdAt: nowSeconds(),
      revokedAt: null,
      refreshTokenHash: refreshToken?.tokenHash ?? null,
      refreshTokenIssuedAt: refreshToken?.issuedAt ?? null,
      rotatedTokenHash: null,
      rotatedAt: null,
    });
    this.recordIssued(grant.id, grant.context.clientId, grant.issued);
    return true;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const token = this.refreshTokens.get(tokenHash);
    const grant = token && this.grants.get(token.grantId);
    if (!token || !grant) return undefined;
    return {
      tokenHash,
      expiresAt: token.expiresAt,
      ...(grant.refreshTokenHash === tokenHash && grant.refreshTokenIssuedAt !== null ? { issuedAt: grant.refreshTokenIssuedAt } : {}),
      grant: { ...grant.context, scopes: [...grant.context.scopes] },
      family: familyOf(token.grantId, grant),
    };
  }

  /**
   * As GrantRepository.rotate: a rotation or retry swaps the live token only while the family is as it was seen
   * (else it is read again and decided anew); a retry keeps the time of the first rotation; reuse revokes.
   */
  async rotate(...[presented, issued, decide, signal]: Parameters<RefreshTokens['rotate']>): Promise<RotationDecision> {
    for (let seen: RefreshFamily | undefined = presented.family; seen; seen = this.familyOf(seen.grantId)) {
      const decision = decide(seen);
      if (decision === 'invalid') return decision;
      if (decision === 'reused') {
        await this.revokeGrant(seen.grantId);
        return decision;
      }
      const grant = this.grants.get(seen.grantId);
      const unchanged =
        grant !== undefined &&
        grant.revokedAt === null &&
        grant.refreshTokenHash === seen.liveTokenHash &&
        grant.rotatedTokenHash === seen.rotatedTokenHash;
      if (unchanged) {
        signal?.throwIfAborted();
        grant.refreshTokenHash = issued.refreshToken?.tokenHash ?? null;
        grant.refreshTokenIssuedAt = issued.refreshToken?.issuedAt ?? null;
        if (decision === 'rotate') Object.assign(grant, { rotatedTokenHash: presented.tokenHash, rotatedAt: nowSeconds() });
        this.recordIssued(seen.grantId, presented.grant.clientId, issued);
        return decision;
      }
    }
    return 'invalid';
  }

  private familyOf(grantId: string): RefreshFamily | undefined {
    const grant = this.grants.get(grantId);
    return grant && familyOf(grantId, grant);
  }

  private recordIssued(grantId: string, clientId: string, issued: IssuedTokens): void {
    this.accessTokens.set(issued.accessToken.jti, { grantId, clientId, expiresAt: issued.accessToken.expiresAt });
    if (issued.refreshToken) this.refreshTokens.set(issued.refreshToken.tokenHash, { grantId, expiresAt: issued.refreshToken.expiresAt });
  }
}
