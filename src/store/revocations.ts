import { nowSeconds } from '../ports/clock.js';
import type { AccessTokenRevocations } from '../ports/revocations.js';
import type { Store } from './database.js';
import { EXPIRED_TOKEN_MARGIN_SECONDS, type PurgePace, purgeInBatches, unpaced } from './purge.js';

/**
 * Revoked JWT access tokens, by `jti`. A row is kept only until the token would have expired anyway; after that
 * the signature check alone refuses it.
 */
export class RevocationRepository implements AccessTokenRevocations {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async revoke(jti: string, clientId: string, expiresAt: number): Promise<void> {
    await this.store.db
      .insertInto('revoked_tokens')
      .values({ tenant_id: this.tenant, jti, client_id: clientId, expires_at: expiresAt, revoked_at: nowSeconds() })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    // Caches of revocation status, in this process and the others, must drop what they know.
    await this.store.announceChange();
  }

  /** Revoked itself, or issued from a grant that has been revoked since (code replay, refresh reuse, consent withdrawn). */
  async isRevoked(jti: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('revoked_tokens')
      .select('jti')
      .where('jti', '=', jti)
      .where('tenant_id', '=', this.tenant)
      .unionAll((eb) =>
        eb
          .selectFrom('grant_access_tokens')
          .innerJoin('grants', 'grants.id', 'grant_access_tokens.grant_id')
          .select('grant_access_tokens.jti')
          .where('grant_access_tokens.jti', '=', jti)
          .where('grant_access_tokens.tenant_id', '=', this.tenant)
          .where('grants.revoked_at', 'is not', null),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets revocations of tokens expired for longer than any verifier's clock leeway, in every tenant. */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'revoked_tokens', 'jti', (eb) => eb('expires_at', '<', now - EXPIRED_TOKEN_MARGIN_SECONDS), pace);
  }
}
