import type { GrantContext, NewGrant } from './grants.js';

export interface AuthorizationCode extends GrantContext {
  codeHash: string;
  redirectUri: string | null;
  codeChallenge: string;
  nonce: string | null;
  expiresAt: number;
  /** When it was first redeemed. */
  usedAt: number | null;
  grantId: string | null;
}

/** Authorization codes, by the SHA-256 hash of the code: issued by the authorization endpoint, redeemed once. */
export interface AuthorizationCodes {
  createCode(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void>;
  findCode(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * Redeems the code for a new grant with the tokens issued for it, in one transaction: false, and nothing written,
   * when another request redeemed it first. Rolled back instead of committed when `signal` is aborted by then: the
   * client that went away may retry with the same code.
   */
  redeemCode(codeHash: string, grant: NewGrant, signal?: AbortSignal): Promise<boolean>;
}
