import type { AuditSink } from '../../ports/audit.js';
import { nowSeconds } from '../../ports/clock.js';
import type { RefreshFamily, RefreshTokens, RotationDecision } from '../../ports/refresh-tokens.js';
import { sha256Hex } from '../../tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../../tokens/opaque.js';
import { invalidGrant } from '../errors.js';
import { required, single } from '../form.js';
import { refreshTokenEndsAt } from '../refresh-lifetime.js';
import type { AudienceResolver } from '../resource-indicators.js';
import { grantScopes, parseScopeParameter } from '../scopes.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler.js';
import type { UserTokenIssuer } from './user-tokens.js';

/**
 * What presenting `tokenHash` to its family means. The live token rotates. The token the last rotation replaced is
 * a retry while that rotation is younger than the window: the client lost the answer (or two tabs refreshed at
 * once), and the successor it never received is still unused, since using it would have made it the rotated one.
 * Anything else is reuse (RFC 9700 §4.14.2), including a successor that a retry superseded.
 */
export function rotationDecision(tokenHash: string, family: RefreshFamily, now: number, reuseWindow: number): RotationDecision {
  if (family.revoked) return 'invalid';
  if (family.liveTokenHash === tokenHash) return 'rotate';
  const retry =
    reuseWindow > 0 && family.rotatedTokenHash === tokenHash && family.rotatedAt !== null && now - family.rotatedAt <= reuseWindow;
  return retry ? 'retry' : 'reused';
}

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires the old one.
 * Presenting a retired token means two parties hold the family, so the whole grant is revoked — its refresh
 * tokens and its access tokens alike — unless it is a retry of the last rotation within the reuse window. Rotation
 * does not extend the family: it ends at its absolute lifetime, and no token is issued to outlive it.
 * The tokens are signed first; the decision, the retirement and the record of what was issued are one
 * transaction, so a failure at any point leaves the presented token as it was, valid for the client's retry.
 */
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly grants: RefreshTokens,
    private readonly issuer: UserTokenIssuer,
    private readonly audiences: AudienceResolver,
    private readonly audit: AuditSink,
    /** Seconds after a token's first rotation during which presenting it again is a retry; 0 disables. */
    private readonly reuseWindow: number,
    /** Seconds a family lives from its grant's creation, however often it rotates. */
    private readonly familyLifetime: number,
  ) {}

  async handle({ client, params, ip, signal }: TokenRequest): Promise<TokenResponse> {
    const presented = required(params, 'refresh_token');
    if (!isWellFormedOpaque(presented, OPAQUE_PREFIXES.refreshToken)) throw invalidGrant('the refresh token is invalid');
    const stored = await this.grants.findRefreshToken(sha256Hex(presented));
    if (!stored || stored.grant.clientId !== client.client.clientId) throw invalidGrant('the refresh token is invalid');
    // A token ends with its family (RFC 9700 §4.14.2), even one issued before the family lifetime existed. Past that
    // the family is left as it is: nothing rotates, and presenting a retired token is no longer reuse to revoke for.
    if (refreshTokenEndsAt(stored, this.familyLifetime) <= nowSeconds()) throw invalidGrant('the refresh token has expired');
    if (stored.family.revoked) throw invalidGrant('the refresh token has been revoked');

    // RFC 8707 §2.2: the resource may narrow to the grant's one audience (or be omitted), so the refreshed token's
    // aud stays the grant's; another is invalid_target, refused before the family is touched.
    const target = await this.audiences.forGrant(params.resource, stored.grant.audience);
    // Narrowing is allowed, widening is not; omitted means the scope originally granted.
    const scopes = grantScopes(parseScopeParameter(single(params, 'scope')), new Set(stored.grant.scopes));
    const signed = await this.issuer.sign({
      client,
      grantId: stored.family.grantId,
      grant: stored.grant,
      scopes,
      target,
      familyStartedAt: stored.family.startedAt,
    });
    const decision = await this.grants.rotate(
      stored,
      signed.issued,
      (family) => rotationDecision(stored.tokenHash, family, nowSeconds(), this.reuseWindow),
      signal,
    );
    if (decision === 'reused') {
      await this.audit.record({ actor: client.client.clientId, actor_type: 'client', ip }, 'refresh_token.reused', stored.grant.userId, {
        revoked_grant: stored.family.grantId,
      });
      throw invalidGrant('the refresh token was used already; its whole family is revoked');
    }
    if (decision === 'invalid') throw invalidGrant('the refresh token has been revoked');
    return signed.response;
  }
}

/** What the registry (index.ts) makes this grant from. */
export interface RefreshTokenServices {
  grants: RefreshTokens;
  userTokens: UserTokenIssuer;
  audiences: AudienceResolver;
  audit: AuditSink;
  refreshReuseWindow: number;
  refreshFamilyLifetime: number;
}

export const refreshTokenGrant = (services: RefreshTokenServices): GrantHandler => {
  const { grants, userTokens, audiences, audit, refreshReuseWindow, refreshFamilyLifetime } = services;
  return new RefreshTokenGrant(grants, userTokens, audiences, audit, refreshReuseWindow, refreshFamilyLifetime);
};
