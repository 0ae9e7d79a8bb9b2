
/**
 * Table shapes shared by SQLite and PostgreSQL. Times are epoch seconds and lists are JSON text so that one
 * set of queries serves both databases.
 */
export interface RolesTable {
  name: string;
  description: string;
  scopes: string; // JSON string[]
  created_at: number;
}

export interface ApisTable {
  identifier: string;
  name: string;
  scopes: string; // JSON string[]; empty means any scope
  created_at: number;
}

export interface ClientsTable {
  client_id: string;
  name: string;
  description: string;
  roles: string; // JSON string[]
  scopes: string; // JSON string[]: scopes granted directly, beside those of the roles
  grant_types: string; // JSON string[]
  token_endpoint_auth_method: string;
  redirect_uris: string; // JSON string[]
  access_token_ttl: number | null;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface RevokedTokensTable {
  jti: string;
  client_id: string;
  expires_at: number;
  revoked_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed private JWK; null once the key is retired past every token it signed. */
  private_jwk_sealed: string | null;
  status: 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
  /** Until when the public key stays in the JWKS: the last moment a token it signed can still be valid. */
  publish_until: number | null;
}

export interface Database {
  roles: RolesTable;
  apis: ApisTable;
  clients: ClientsTable;
  revoked_tokens: RevokedTokensTable;
  signing_keys: SigningKeysTable;
}
