import { isScopeToken } from '../oauth/scopes.js';
import { RefusedError } from '../ports/refused-error.js';
import type { RoleRepository } from '../store/roles.js';

/**
 * A management request that cannot be carried out as asked; the message says what to change. A RefusedError, so
 * that the core's ports (UserRegistration for self sign-up) tell a taken username from any other failure.
 */
export class ManagementError extends RefusedError {
  override name = 'ManagementError';
}

/**
 * Refuses a new record past the tenant's quota (TenantQuotas): `count` is what the tenant has now, read in the
 * transaction that will add one.
 */
export async function checkQuota(limit: number | undefined, count: () => Promise<number>, what: string): Promise<void> {
  if (limit !== undefined && (await count()) >= limit) {
    throw new ManagementError(`this tenant may have at most ${limit} ${what}; its quota is reached`, 'conflict');
  }
}

export function checkScopes(scopes: readonly string[]): void {
  for (const scope of scopes) {
    if (!isScopeToken(scope)) throw new ManagementError(`"${scope}" is not a valid scope (RFC 6749 §3.3)`);
  }
}

/** The names, without repeats, when every one is a role that exists. */
export async function knownRoles(roles: RoleRepository, names: readonly string[]): Promise<string[]> {
  const unique = [...new Set(names)];
  const known = await roles.scopesOf(unique);
  const unknown = unique.filter((role) => !known.has(role));
  if (unknown.length > 0) throw new ManagementError(`unknown role: ${unknown.join(', ')} (create it first)`);
  return unique;
}
