import type { RefreshFamily, RefreshToken } from '../ports/refresh-tokens.js';

/** When a refresh-token family ends, however often it rotated: `lifetime` seconds after it began. */
export const familyEndsAt = (family: Pick<RefreshFamily, 'startedAt'>, lifetime: number): number => family.startedAt + lifetime;

/**
 * When a refresh token stops working: at its own expiry, or at its family's end when that comes first. Tokens are
 * issued capped to their family's end; one issued before the family lifetime existed, or before it was shortened,
 * may expire later than its family ends.
 */
export const refreshTokenEndsAt = (token: Pick<RefreshToken, 'expiresAt' | 'family'>, familyLifetime: number): number =>
  Math.min(token.expiresAt, familyEndsAt(token.family, familyLifetime));
