import type { User } from '../ports/users.js';

/** Claims of a user released by scope (OpenID Connect Core §5.4). */
export function userClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  if (scopes.includes('profile')) {
    claims.preferred_username = user.username;
    if (user.name) claims.name = user.name;
    claims.updated_at = user.updatedAt;
  }
  if (scopes.includes('email') && user.email) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}

export const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'at_hash',
  'sid',
  'jti',
  'rat',
  'azp',
  'name',
  'preferred_username',
  'updated_at',
  'email',
  'email_verified',
];
