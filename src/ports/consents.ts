/** What a user agreed to share with a client at one API. */
export interface Consent {
  userId: string;
  clientId: string;
  /** The API (RFC 8707 audience) the consent lets the client access. */
  audience: string;
  scopes: string[];
  grantedAt: number;
}

/**
 * What each user has agreed to share with each client at each API, as the authorization endpoint reads and adds to
 * it; a consent for scopes at API A does not cover API B.
 */
export interface Consents {
  get(userId: string, clientId: string, audience: string): Promise<Consent | undefined>;
  /** Adds `scopes` to what the user has consented to for the client at the API. */
  grant(userId: string, clientId: string, audience: string, scopes: readonly string[]): Promise<void>;
}
