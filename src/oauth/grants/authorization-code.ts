import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuditSink } from '../../ports/audit.js';
import type { AuthorizationCode, AuthorizationCodes } from '../../ports/authorization-codes.js';
import { nowSeconds } from '../../ports/clock.js';
import type { GrantRevocation } from '../../ports/grants.js';
import { sha256Hex } from '../../tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../../tokens/opaque.js';
import { invalidGrant, invalidRequest, type OAuthError } from '../errors.js';
import { required, single } from '../form.js';
import type { AudienceResolver } from '../resource-indicators.js';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler.js';
import type { UserTokenIssuer } from './user-tokens.js';

// RFC 7636 §4.1: code-verifier = 43*128unreserved
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = createHash('sha256').update(verifier, 'ascii').digest();
  const expected = Buffer.from(challenge, 'base64url');
  return expected.length === computed.length && timingSafeEqual(computed, expected);
}

/** What redeeming a code needs of the store: the code, its redemption, and revoking what a replayed code produced. */
export type CodeRedemption = Pick<AuthorizationCodes, 'findCode' | 'redeemCode'> & GrantRevocation;

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6). Everything that proves the caller is the rightful holder — client,
 * redirect URI, verifier — is checked before the code's state is looked at, so a replay by someone without the
 * verifier changes nothing, while a replay by the holder revokes all the code produced (RFC 9700 §4.2.4). Redeeming
 * is one transaction: the code's consumption, the new grant and the record of its tokens.
 */
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';

  constructor(
    private readonly grants: CodeRedemption,
    private readonly issuer: UserTokenIssuer,
    private readonly audiences: AudienceResolver,
    private readonly audit: AuditSink,
    /** Seconds after the first redemption during which a repeat is refused without revoking anything; 0 disables. */
    private readonly reuseWindow: number,
  ) {}

  async handle({ client, params, ip, signal }: TokenRequest): Promise<TokenResponse> {
    const code = required(params, 'code');
    const verifier = single(params, 'code_verifier');
    const redirectUri = single(params, 'redirect_uri');
    // RFC 7636 §4.6: every code here was issued with a code_challenge (PKCE is required), so a request without the
    // verifier cannot match it: invalid_grant, as for a verifier that does not match (and as the FAPI 2.0 suite and
    // node-oidc-provider answer). A verifier outside the §4.1 syntax is a malformed parameter, so invalid_request
    // (RFC 6749 §5.2).
    if (verifier === undefined) throw invalidGrant('the code_verifier parameter is missing (PKCE is required)');
    if (!CODE_VERIFIER.test(verifier)) throw invalidRequest('code_verifier must be 43-128 unreserved characters');
    if (!isWellFormedOpaque(code, OPAQUE_PREFIXES.authorizationCode)) throw invalidGrant('the authorization code is invalid');

    const stored = await this.grants.findCode(sha256Hex(code));
    if (!stored || stored.clientId !== client.client.clientId) throw invalidGrant('the authorization code is invalid');
    if (stored.expiresAt <= nowSeconds()) throw invalidGrant('the authorization code has expired');
    // §4.1.3: required and identical when the authorization request had it; else it may only name the one implied.
    const redirectMatches =
      stored.redirectUri !== null
        ? redirectUri === stored.redirectUri
        : redirectUri === undefined || redirectUri === client.client.redirectUris[0];
    if (!redirectMatches) throw invalidGrant('redirect_uri does not match the authorization request');
    if (!pkceMatches(verifier, stored.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');

    if (stored.usedAt !== null) throw await this.usedAlready(stored, client.client.clientId, ip);
    // RFC 8707 §2.2: the resource of the authorization request, repeated or implied. A wrong one is refused before
    // anything is written, so the code stays redeemable: no token was issued from it, so this is no second use in
    // the sense of RFC 6749 §4.1.2, and only the holder of the verifier gets this far.
    const target = await this.audiences.forGrant(params.resource, stored.audience);
    const grantId = randomUUID();
    const signed = await this.issuer.sign({
      client,
      grantId,
      grant: stored,
      scopes: stored.scopes,
      target,
      ...(stored.nonce === null ? {} : { nonce: stored.nonce }),
    });
    if (!(await this.grants.redeemCode(stored.codeHash, { id: grantId, context: stored, issued: signed.issued }, signal))) {
      // Another request redeemed it a moment ago; what it wrote is now visible.
      const winner = await this.grants.findCode(stored.codeHash);
      throw await this.usedAlready(winner ?? stored, client.client.clientId, ip);
    }
    return signed.response;
  }

  /**
   * A code presented again by its rightful holder. Within the window of its first redemption this is a concurrent
   * or retried request of the same client, which loses without harming the winner; later it is a replay, and all
   * the code produced is revoked (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
   */
  private async usedAlready(code: AuthorizationCode, clientId: string, ip: string): Promise<OAuthError> {
    const sinceFirstUse = nowSeconds() - (code.usedAt ?? nowSeconds());
    if (this.reuseWindow > 0 && sinceFirstUse <= this.reuseWindow) return invalidGrant('the authorization code was used already');
    if (code.grantId) await this.grants.revokeGrant(code.grantId);
    await this.audit.record({ actor: clientId, actor_type: 'client', ip }, 'code.replayed', code.userId, {
      revoked_grants: code.grantId ? [code.grantId] : [],
    });
    return invalidGrant('the authorization code was used already; the tokens issued from it are revoked');
  }
}

/** What the registry (index.ts) makes this grant from. */
export interface AuthorizationCodeServices {
  grants: CodeRedemption;
  userTokens: UserTokenIssuer;
  audiences: AudienceResolver;
  audit: AuditSink;
  refreshReuseWindow: number;
}

export const authorizationCodeGrant = (services: AuthorizationCodeServices): GrantHandler => {
  const { grants, userTokens, audiences, audit, refreshReuseWindow } = services;
  return new AuthorizationCodeGrant(grants, userTokens, audiences, audit, refreshReuseWindow);
};
