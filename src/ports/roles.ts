/** What the core asks of roles: the scopes a role gives to the clients and users that hold it. */
export interface RoleScopes {
  /** Scopes of the named roles, by role name; unknown names contribute nothing. */
  scopesOf(names: readonly string[]): Promise<Map<string, string[]>>;
}
