import { OAuthError } from './errors.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const isScopeToken = (value: string): boolean => SCOPE_TOKEN.test(value);

/** The scopes of a `scope` parameter, in order, without repeats; a malformed one is `invalid_scope`. */
export function parseScopeParameter(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  // scope = scope-token *( SP scope-token ): single spaces between tokens, none around them.
  const tokens = scope.split(' ');
  if (!tokens.every(isScopeToken)) throw new OAuthError('invalid_scope', 'the scope parameter is malformed');
  return [...new Set(tokens)];
}

/**
 * The scopes a token gets: what was requested when every requested scope is allowed, everything allowed when
 * nothing was requested (RFC 6749 §3.3 lets the server pick a default), `invalid_scope` otherwise.
 */
export function grantScopes(requested: readonly string[], allowed: ReadonlySet<string>): string[] {
  if (requested.length === 0) return [...allowed];
  const refused = requested.filter((scope) => !allowed.has(scope));
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `the client may not request: ${refused.join(' ')}`);
  }
  return [...requested];
}

/**
 * Gatehouse's own scopes (`gatehouse:…`, such as gatehouse:admin) reach a user's token only when one of the user's
 * roles grants them: a client allowed to ask for them is not enough.
 */
export const isPrivilegedScope = (scope: string): boolean => scope.startsWith('gatehouse:');

export function withoutUnheldPrivileges(scopes: readonly string[], held: ReadonlySet<string>): string[] {
  return scopes.filter((scope) => !isPrivilegedScope(scope) || held.has(scope));
}
