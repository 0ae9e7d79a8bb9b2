// Revoked access tokens in memory, as store/revocations.ts: revoked by jti, or by the grant they were issued from.
import type { AccessTokenRevocations } from '../ports/revocations.js';
import type { MemoryGrants } from './grants.js';

export class MemoryRevocations implements AccessTokenRevocations {
  readonly revoked = new Map<string, { clientId: string; expiresAt: number }>();

  /** `grants`: where tokens issued from a grant are listed, so that a revoked grant revokes them too. */
  constructor(private readonly grants?: Pick<MemoryGrants, 'isOfRevokedGrant'>) {}

  async revoke(jti: string, clientId: string, expiresAt: number): Promise<void> {
    if (!this.revoked.has(jti)) this.revoked.set(jti, { clientId, expiresAt });
  }

  async isRevoked(jti: string): Promise<boolean> {
    return this.revoked.has(jti) || (this.grants?.isOfRevokedGrant(jti) ?? false);
  }
}
