import { isScopeToken } from '../oauth/scopes.js';
import { RefusedError } from '../ports/refused-error.js';
import type { RoleRepository } from '../store/roles.js';

/**
 * A management request that cannot be carried out as asked; the message says what to change, and `field` (a JSON
 * pointer into the admin API's request body, e.g. "/redirect_uris/0") which input it is about, so that a form shows
 * it there. A RefusedError, so that the core's ports (UserRegistration for self sign-up) tell a taken username from
 * any other failure.
 */
export class ManagementError extends RefusedError {
  override name = 'ManagementError';

  constructor(
    message: string,
    kind: RefusedError['kind'] = 'invalid',
    readonly field?: string,
  ) {
    super(message, kind);
  }
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

/** Every scope a scope-token; `field` is where the list is in the request (a list, or one space-separated string). */
export function checkScopes(scopes: readonly string[], field: string): void {
  for (const scope of scopes) {
    if (!isScopeToken(scope)) throw new ManagementError(`"${scope}" is not a valid scope (RFC 6749 §3.3)`, 'invalid', field);
  }
}

/** The names, without repeats, when every one is a role that exists. */
export async function knownRoles(roles: RoleRepository, names: readonly string[], field = '/roles'): Promise<string[]> {
  const unique = [...new Set(names)];
  const known = await roles.scopesOf(unique);
  const unknown = unique.filter((role) => !known.has(role));
  if (unknown.length > 0) throw new ManagementError(`unknown role: ${unknown.join(', ')} (create it first)`, 'invalid', field);
  return unique;
}
