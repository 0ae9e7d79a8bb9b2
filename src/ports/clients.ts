export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** An app client as the protocol core sees it. Secrets exist here only as SHA-256 hashes. */
export interface Client {
  clientId: string;
  name: string;
  description: string;
  roles: string[];
  /** Scopes given to the client directly, beside those of its roles. */
  scopes: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  idTokenSignedResponseAlg: string;
  /** First-party clients (the console, the playground) skip the consent page. */
  skipConsent: boolean;
  /** A resource server: it may introspect tokens issued to any client, not only its own (RFC 7662 §4). */
  introspection: boolean;
  accessTokenTtl: number | null;
  secretHash: string | null;
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Where clients are kept: read by id, nothing cached. */
export interface ClientRecords {
  get(clientId: string): Promise<Client | undefined>;
}

/** A client together with every scope it may be given: its roles' scopes plus those given to it directly. */
export interface ResolvedClient {
  client: Client;
  allowedScopes: ReadonlySet<string>;
}

/**
 * Clients as every endpoint that names one looks them up (token, revocation, introspection, authorization, end
 * session), and as access-token verification asks whether a token's client is still registered and not revoked.
 * A revoked client is found, with its `revokedAt`; a removed or unknown one is not.
 */
export interface ClientResolver {
  find(clientId: string): Promise<ResolvedClient | undefined>;
}
