import type { Api } from '../ports/apis.js';
import type { Repositories } from '../store/repositories.js';
import { ADMIN_SCOPE } from './builtins.js';
import { ManagementError } from './validation.js';

/**
 * Which scopes a tenant's own roles and clients may carry. The platform may limit a tenant to some of its scopes
 * (`allowed_scopes`); the tenant may then also use its own admin API's scope and the scopes of APIs it registered
 * itself, except a scope some platform API defines: a tenant's API naming `corpora:query` would otherwise pass the
 * limit by another door. The platform's role templates are the platform's grant and are not checked. Null: no limit.
 */
export class ScopeLimit {
  constructor(private readonly allowed: readonly string[] | null) {}

  /** Refuses (400) when a scope is outside the limit; `tx` reads the APIs within the change's transaction. */
  async check(tx: Repositories, scopes: readonly string[]): Promise<void> {
    if (this.allowed === null) return;
    const permitted = new Set([...this.allowed, ADMIN_SCOPE]);
    const outside = scopes.filter((scope) => !permitted.has(scope));
    if (outside.length === 0) return;
    const own = ownApiScopes(await tx.apis.list());
    const refused = outside.filter((scope) => !own.has(scope));
    if (refused.length === 0) return;
    const allowed = this.allowed.length ? this.allowed.join(', ') : 'none';
    throw new ManagementError(
      `this account may not use ${refused.length === 1 ? 'the scope' : 'the scopes'} ${refused.join(', ')}: the platform allows it ${allowed}, and the scopes of its own APIs`,
    );
  }

  /** Of the scopes `apis` (those the tenant sees) define, the ones within the limit. */
  usableScopes(apis: readonly Api[]): string[] {
    const defined = new Set(apis.flatMap((api) => api.scopes));
    if (this.allowed === null) return [...defined];
    const own = ownApiScopes(apis);
    const permitted = new Set(this.allowed);
    return [...defined].filter((scope) => permitted.has(scope) || own.has(scope));
  }
}

/** The scopes of the tenant's own APIs that no platform API defines too. */
function ownApiScopes(apis: readonly Api[]): Set<string> {
  const platformScopes = new Set(apis.filter((api) => api.platform).flatMap((api) => api.scopes));
  return new Set(apis.filter((api) => !api.platform).flatMap((api) => api.scopes.filter((scope) => !platformScopes.has(scope))));
}
