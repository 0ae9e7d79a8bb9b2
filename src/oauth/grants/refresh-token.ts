import type { AuditLog } from '../../admin/audit-log.js';
import type { GrantRepository } from '../../store/grants.js';
import { nowSeconds } from '../../store/json-list.js';
import { sha256Hex } from '../../tokens/hash.js';
import { OPAQUE_PREFIXES, isWellFormedOpaque } from '../../tokens/opaque.js';
import { invalidGrant } from '../errors.js';
import { required, single } from '../form.js';
import { grantScopes, parseScopeParameter } from '../scopes.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler.js';
import type { UserTokenIssuer } from './user-tokens.js';


/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires the old one.
 * Presenting a retired token means two parties hold the family, so the whole grant is revoked — its refresh
 * tokens and its access tokens alike.
 */
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    private readonly grants: GrantRepository,
    private readonly issuer: UserTokenIssuer,
    private readonly audit: AuditLog,
  ) {}

  async handle({ client, params, ip }: TokenRequest): Promise<TokenResponse> {
    const presented = required(params, 'refresh_token');
    if (!isWellFormedOpaque(presented, OPAQUE_PREFIXES.refreshToken)) throw invalidGrant('the refresh token is invalid');
    const stored = await this.grants.findRefreshToken(sha256Hex(presented));
    if (!stored || stored.clientId !== client.client.clientId) throw invalidGrant('the refresh token is invalid');
    if (stored.expiresAt <= nowSeconds()) throw invalidGrant('the refresh token has expired');
    if (stored.grantRevoked) throw invalidGrant('the refresh token has been revoked');

    // Narrowing is allowed, widening is not; omitted means the scope originally granted.
    const scopes = grantScopes(parseScopeParameter(single(params, 'scope')), new Set(stored.scopes));
    if (stored.usedAt !== null || !(await this.grants.consumeRefreshToken(stored.tokenHash))) {
      await this.grants.revokeGrant(stored.grantId);
      await this.audit.record({ actor: client.client.clientId, actor_type: 'client', ip }, 'refresh_token.reused', stored.userId, { revoked_grant: stored.grantId });
      throw invalidGrant('the refresh token was used already; its whole family is revoked');
    }
    return this.issuer.issue({ client, grantId: stored.grantId, grant: stored, scopes });
  }
}
